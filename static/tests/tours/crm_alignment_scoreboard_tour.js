import { registry } from "@web/core/registry";

const figure = (label) =>
    `.o_form_view button[name='action_drill_down']:has(.o_stat_text:contains('${label}'))`;
let handedOff = null;

// Open the Alignment dashboard, read a figure, drill into it: the leads
// behind it are listed, as many as the figure says.
registry.category("web_tour.tours").add("crm_alignment_scoreboard_tour", {
    steps: () => [
        { trigger: ".o_form_view h1:contains('Alignment Dashboard')" },
        { trigger: ".o_field_widget[name='goal_line_ids'] td:contains('Sales-ready leads delivered')" },
        { trigger: ".o_field_widget[name='funnel_html'] td:contains('Handed Off')" },
        {
            trigger: `${figure("Handed Off")} .o_stat_value`,
            run() {
                handedOff = this.anchor.textContent.trim();
            },
        },
        { trigger: figure("Handed Off"), run: "click" },
        { trigger: ".o_list_view td:contains('Tour Scoreboard Lead')" },
        {
            trigger: ".o_list_view .o_pager_limit, .o_control_panel .o_pager_limit",
            run() {
                const total = this.anchor.textContent.trim();
                if (total !== handedOff) {
                    throw new Error(`figure ${handedOff}, ${total} leads behind it`);
                }
            },
        },
        { trigger: ".o_breadcrumb .breadcrumb-item:not(.active) a", run: "click" },
        { trigger: ".o_form_view h1:contains('Alignment Dashboard')" },
    ],
});
