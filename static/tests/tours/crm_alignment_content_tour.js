import { registry } from "@web/core/registry";

const status = (value) => ({
    content: `The content is ${value}`,
    trigger: `.o_field_widget[name='state'] button[data-value='${value}'].o_arrow_button_current`,
});

registry.category("web_tour.tours").add("crm_alignment_content_submit_tour", {
    steps: () => [
        { trigger: "button[name='action_submit']", run: "click" },
        status("in_review"),
    ],
});

registry.category("web_tour.tours").add("crm_alignment_content_changes_tour", {
    steps: () => [
        { trigger: "button:contains('Request Changes')", run: "click" },
        {
            trigger: ".modal .o_field_widget[name='comment'] textarea",
            run: "edit Add the customer's numbers",
        },
        { trigger: ".modal button[name='action_confirm']", run: "click" },
        status("changes_requested"),
    ],
});

registry.category("web_tour.tours").add("crm_alignment_content_approve_tour", {
    steps: () => [
        { trigger: ".o_form_view button:contains('Approve')", run: "click" },
        {
            trigger: ".modal .o_field_widget[name='comment'] textarea",
            run: "edit Great, go",
        },
        { trigger: ".modal button[name='action_confirm']", run: "click" },
        status("approved"),
        { trigger: ".o_notebook a:contains('Review History')", run: "click" },
        { trigger: ".o_field_widget[name='review_ids'] td:contains('Add the customer')" },
    ],
});

registry.category("web_tour.tours").add("crm_alignment_content_publish_tour", {
    steps: () => [
        { trigger: "button[name='action_publish']", run: "click" },
        status("published"),
    ],
});

registry.category("web_tour.tours").add("crm_alignment_content_share_tour", {
    steps: () => [
        { trigger: "button[name='action_share_content']", run: "click" },
        {
            trigger: ".modal .o_field_widget[name='content_ids'] input",
            run: "edit Tour case study",
        },
        { trigger: ".ui-autocomplete a:contains('Tour case study')", run: "click" },
        { trigger: ".modal button[name='action_share']", run: "click" },
        { trigger: ".o_notebook a:contains('Content Seen')", run: "click" },
        { trigger: ".o_field_widget[name='content_share_ids'] td:contains('Tour case study')" },
    ],
});
