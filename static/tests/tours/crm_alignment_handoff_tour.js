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
