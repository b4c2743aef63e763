import { registry } from "@web/core/registry";

// Sales recycles a lead: the wizard proposes the program both teams agreed
// for the reason, and the lead shows its program and next step.
registry.category("web_tour.tours").add("crm_alignment_nurture_recycle_tour", {
    steps: () => [
        {
            trigger: "button[name='action_recycle_to_nurture']",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name='reason_id'] input",
            run: "edit Timing",
        },
        {
            trigger: ".ui-autocomplete a:contains('Timing too far out')",
            run: "click",
        },
        {
            content: "the agreed program for the reason is proposed",
            trigger: ".modal .o_field_widget[name='program_id'] input:value('Tour nurture program')",
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
            trigger: ".o_field_widget[name='lifecycle_stage'] button[data-value='nurture'].o_arrow_button_current",
        },
        {
            trigger: ".o_notebook a:contains('Nurture')",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name='nurture_program_id']:contains('Tour nurture program')",
        },
        {
            trigger: ".o_field_widget[name='nurture_step_id']:contains('Tour case study')",
        },
    ],
});

// After the step job: marketing sees the step done on the lead.
registry.category("web_tour.tours").add("crm_alignment_nurture_history_tour", {
    steps: () => [
        {
            trigger: ".o_notebook a:contains('Nurture')",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name='nurture_touch_ids'] tr:has(td:contains('Tour case study')):has(td:contains('Done'))",
        },
        {
            content: "the next step is planned",
            trigger: ".o_field_widget[name='nurture_step_id']:contains('Tour follow-up call')",
        },
        {
            content: "the open counts: engagement next to the BANT fit",
            trigger: ".o_notebook a:contains('Qualification')",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name='engagement_score']:contains('10')",
        },
        {
            trigger: ".o_field_widget[name='lead_grade']:contains('D3')",
        },
        {
            content: "the explanation lists the signal and what it counts today",
            trigger: ".o_crm_alignment_engagement_explanation tr:has(td:contains('E-mail opened')):has(td:contains('10.0'))",
        },
    ],
});
