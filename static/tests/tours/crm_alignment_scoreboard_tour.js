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

// The Alignment Charts: the funnel and speed-to-lead charts render with the
// figures beside them, a goal shows as a bar, and a figure opens as many
// records as it says.
let created = null;
const chartOf = (selector) => {
    const canvas = document.querySelector(`${selector} canvas`);
    return canvas && window.Chart && window.Chart.getChart(canvas);
};
registry.category("web_tour.tours").add("crm_alignment_charts_tour", {
    steps: () => [
        {
            trigger: ".o_crm_alignment_charts .o_alignment_funnel canvas",
            run() {
                const chart = chartOf(".o_alignment_funnel");
                const values = [...document.querySelectorAll(
                    ".o_alignment_funnel .o_alignment_figure_value"
                )].map((cell) => parseInt(cell.textContent));
                if (!chart || chart.data.datasets[0].data.join() !== values.join()) {
                    throw new Error(`funnel chart ${chart && chart.data.datasets[0].data} vs ${values}`);
                }
                if (!values[0]) {
                    throw new Error("the funnel of the period is empty");
                }
                created = String(values[0]);
            },
        },
        {
            trigger: ".o_crm_alignment_charts .o_alignment_speed canvas",
            run() {
                const chart = chartOf(".o_alignment_speed");
                if (!chart || chart.data.labels.length !== 4) {
                    throw new Error("speed to lead is not a distribution of 4 buckets");
                }
            },
        },
        { trigger: ".o_alignment_goals .o_alignment_goal .progress-bar" },
        { trigger: ".o_alignment_funnel a[data-figure='created']", run: "click" },
        {
            trigger: ".o_list_view .o_pager_limit, .o_control_panel .o_pager_limit",
            run() {
                const total = this.anchor.textContent.trim();
                if (total !== created) {
                    throw new Error(`figure ${created}, ${total} records behind it`);
                }
            },
        },
    ],
});
