import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("crm_alignment_handoff_tour", {
    steps: () => [
        {
            content: "The lead is new and owned by marketing",
            trigger: ".o_field_widget[name='lifecycle_stage'] button[data-value='new'].o_arrow_button_current",
        },
        {
            content: "Hand it off to sales",
            trigger: "button[name='action_handoff_to_sales']",
            run: "click",
        },
        {
            content: "Choose the salesperson",
            trigger: ".modal .o_field_widget[name='user_id'] input",
            run: "edit Tour Salesman",
        },
        {
            trigger: ".ui-autocomplete a:contains('Tour Salesman')",
            run: "click",
        },
        {
            content: "Tell sales what they need to know",
            trigger: ".modal .o_field_widget[name='note'] textarea",
            run: "edit Asked for a demo",
        },
        {
            trigger: ".modal button[name='action_handoff']",
            run: "click",
        },
        {
            content: "The lead now waits on sales",
            trigger: ".o_field_widget[name='lifecycle_stage'] button[data-value='handed_off'].o_arrow_button_current",
        },
        {
            content: "The journey shows the hand-off",
            trigger: ".o_notebook a:contains('Journey')",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name='handoff_ids'] td:contains('Asked for a demo')",
        },
    ],
});

registry.category("web_tour.tours").add("crm_alignment_accept_tour", {
    steps: () => [
        {
            content: "Sales accepts the hand-off",
            trigger: "button[name='action_accept']",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name='lifecycle_stage'] button[data-value='accepted'].o_arrow_button_current",
        },
    ],
});

registry.category("web_tour.tours").add("crm_alignment_bant_tour", {
    steps: () => [
        {
            content: "Open the qualification of the lead",
            trigger: ".o_notebook a:contains('Qualification')",
            run: "click",
        },
        {
            content: "The prospect's need is critical",
            trigger: ".o_field_widget[name='bant_need_id'] input",
            run: "edit Critical",
        },
        {
            trigger: ".ui-autocomplete a:contains('Critical')",
            run: "click",
        },
        {
            content: "and they buy within three months",
            trigger: ".o_field_widget[name='bant_timeframe_id'] input",
            run: "edit Under 3",
        },
        {
            trigger: ".ui-autocomplete a:contains('Under 3 months')",
            run: "click",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "The score explains itself",
            trigger: ".o_field_widget[name='bant_explanation']:contains('Sales-ready under')",
        },
        {
            content: "and the lead is sales-ready",
            trigger: ".o_field_widget[name='lifecycle_stage'] button[data-value='sales_ready'].o_arrow_button_current",
        },
    ],
});

registry.category("web_tour.tours").add("crm_alignment_recycle_tour", {
    steps: () => [
        {
            content: "Sales finds the lead is not ready: recycle it",
            trigger: "button[name='action_recycle_to_nurture']",
            run: "click",
        },
        {
            content: "Say why",
            trigger: ".modal .o_field_widget[name='reason_id'] input",
            run: "edit Timing",
        },
        {
            trigger: ".ui-autocomplete a:contains('Timing too far out')",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name='note'] textarea",
            run: "edit Budget cycle starts in Q3",
        },
        {
            trigger: ".modal button[name='action_recycle']",
            run: "click",
        },
        {
            content: "The lead is back in nurturing, same record",
            trigger: ".o_field_widget[name='lifecycle_stage'] button[data-value='nurture'].o_arrow_button_current",
        },
        {
            content: "and its journey shows the way back",
            trigger: ".o_notebook a:contains('Journey')",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name='handoff_ids'] td:contains('Timing too far out')",
        },
    ],
});

registry.category("web_tour.tours").add("crm_alignment_sla_tour", {
    steps: () => [
        {
            content: "The prospect must answer first: stop the clock",
            trigger: "button[name='action_sla_wait_on_prospect']",
            run: "click",
        },
        {
            content: "The prospect answered: the clock runs again",
            trigger: "button[name='action_sla_resume']",
            run: "click",
        },
        {
            content: "Follow up: accept the hand-off",
            trigger: "button[name='action_accept']",
            run: "click",
        },
        {
            content: "The SLA was met",
            trigger: ".o_notebook a:contains('Journey')",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name='sla_ids'] td:contains('Reached')",
        },
    ],
});
