import { registry } from "@web/core/registry";

const figure = (label) =>
    `.o_form_view button[name='action_drill_down']:has(.o_stat_text:contains('${label}'))`;
let handedOff = null;

// Open the Alignment dashboard, read a figure, drill into it: the leads
// behind it are listed, as many as the figure says.
registry.category("web_tour.tours").add("crm_alignment_scoreboard_tour", {
    steps: () => [
        { trigger: ".o_form_view h1:contains('Alignment Dashboard')" },
        {
            content: "a board, not a record: named in the breadcrumb, nothing to save",
            trigger: ".o_breadcrumb .active:contains('Alignment Dashboard')",
            run() {
                const indicator = document.querySelector(".o_form_status_indicator");
                if (indicator && indicator.offsetParent !== null) {
                    throw new Error("the dashboard offers to save or discard");
                }
            },
        },
        { trigger: ".o_field_widget[name='goal_line_ids'] td:contains('Sales-ready leads delivered')" },
        { trigger: ".o_field_widget[name='funnel_table'] table.o_alignment_table td:contains('Handed Off')" },
        {
            trigger: `${figure("Handed Off")} .o_stat_value`,
            run() {
                handedOff = this.anchor.textContent.trim();
            },
        },
        {
            // the funnel table (data drawn by the alignment_table widget) says the same
            trigger: ".o_field_widget[name='funnel_table'] tr:has(td:contains('Handed Off'))",
            run() {
                const count = this.anchor.querySelectorAll("td")[1].textContent.trim();
                if (count !== handedOff) {
                    throw new Error(`funnel table ${count}, stat button ${handedOff}`);
                }
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
        {
            trigger: ".o_crm_alignment_charts .o_alignment_weekly canvas",
            run() {
                const chart = chartOf(".o_alignment_weekly");
                const [handoffs, onTime] = chart ? chart.data.datasets : [];
                if (!handoffs || !handoffs.data.length || !handoffs.data.some((n) => n > 0)) {
                    throw new Error("no hand-offs per week in the period");
                }
                if (onTime.data.some((rate) => rate < 0 || rate > 100)) {
                    throw new Error(`within-SLA rates out of range: ${onTime.data}`);
                }
            },
        },
        {
            trigger: ".o_crm_alignment_charts .o_alignment_share_trend canvas",
            run() {
                const chart = chartOf(".o_alignment_share_trend");
                const bands = chart && chart.data.datasets.slice(1).map((set) => set.data[0]);
                if (!chart || bands.join() !== "13,22,40") {
                    throw new Error(`share chart without the research's bands: ${bands}`);
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
