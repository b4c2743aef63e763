import { Component, onWillStart, useEffect, useRef, useState } from "@odoo/owl";
import { loadBundle } from "@web/core/assets";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { formatMonetary } from "@web/views/fields/formatters";

const { DateTime } = luxon;

/**
 * Alignment Charts: the scoreboard as people read it. The figures come from
 * one read-only method (crm.alignment.dashboard.get_chart_data, counted as
 * the reader); a bar or a figure opens the records it counts.
 */
export class AlignmentCharts extends Component {
    static template = "crm_alignment.AlignmentCharts";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.actionService = useService("action");
        this.funnelRef = useRef("funnel");
        this.speedRef = useRef("speed");
        this.weeklyRef = useRef("weekly");
        this.shareRef = useRef("share");
        this.charts = [];
        this.state = useState({ period: "quarter", teamId: false, teams: [], data: null });
        onWillStart(async () => {
            await loadBundle("web.chartjs_lib");
            this.state.teams = await this.orm.searchRead("crm.team", [], ["name"]);
            await this.load();
        });
        useEffect(
            () => {
                this.renderCharts();
                return () => this.destroyCharts();
            },
            () => [this.state.data]
        );
    }

    get periods() {
        return [
            ["month", _t("This month")],
            ["quarter", _t("This quarter")],
            ["year", _t("This year")],
        ];
    }

    get bounds() {
        const today = DateTime.local();
        return [
            today.startOf(this.state.period).toISODate(),
            today.endOf(this.state.period).toISODate(),
        ];
    }

    async load() {
        this.state.data = await this.orm.call(
            "crm.alignment.dashboard",
            "get_chart_data",
            this.bounds,
            { team_id: this.state.teamId }
        );
    }

    async onPeriodChange(ev) {
        this.state.period = ev.target.value;
        await this.load();
    }

    async onTeamChange(ev) {
        this.state.teamId = parseInt(ev.target.value) || false;
        await this.load();
    }

    async drill(figure, bounds = this.bounds) {
        const action = await this.orm.call(
            "crm.alignment.dashboard",
            "action_chart_drill",
            [figure, ...bounds],
            { team_id: this.state.teamId }
        );
        await this.actionService.doAction(action);
    }

    goalWidth(goal) {
        return `width: ${Math.min(goal.progress, 100)}%`;
    }

    destroyCharts() {
        for (const chart of this.charts) {
            chart.destroy();
        }
        this.charts = [];
    }

    renderCharts() {
        this.destroyCharts();
        if (!this.state.data) {
            return;
        }
        this.charts.push(this.barChart(this.funnelRef.el, this.state.data.funnel, "#714B67"));
        this.charts.push(this.barChart(this.speedRef.el, this.state.data.speed, "#017E84"));
        this.charts.push(this.weeklyChart(this.weeklyRef.el, this.state.data));
        this.charts.push(this.shareChart(this.shareRef.el, this.state.data));
    }

    /** A constant line across the chart (a goal, a band of the research). */
    referenceLine(label, value, count, color) {
        return {
            type: "line",
            label,
            data: new Array(count).fill(value),
            borderColor: color,
            borderDash: [6, 4],
            pointRadius: 0,
            fill: false,
            yAxisID: "rate",
        };
    }

    /** Hand-offs per week (bars) and the share followed up within SLA
     * (line), against the agreed SLA target; a week opens its hand-offs. */
    weeklyChart(canvas, data) {
        const weeks = data.weekly;
        const datasets = [
            {
                type: "bar",
                label: _t("Hand-offs"),
                data: weeks.map((week) => week.handoffs),
                backgroundColor: "#017E84",
                yAxisID: "count",
            },
            {
                type: "line",
                label: _t("Followed up within SLA (%)"),
                data: weeks.map((week) => week.within_sla),
                borderColor: "#714B67",
                backgroundColor: "#714B67",
                yAxisID: "rate",
            },
        ];
        if (data.sla_target !== null) {
            datasets.push(
                this.referenceLine(_t("SLA goal (%)"), data.sla_target, weeks.length, "#28a745")
            );
        }
        return new Chart(canvas, {
            data: { labels: weeks.map((week) => week.label), datasets },
            options: {
                responsive: true,
                maintainAspectRatio: false,
                animation: false,
                scales: {
                    count: { position: "left", beginAtZero: true, ticks: { precision: 0 } },
                    rate: { position: "right", min: 0, max: 100 },
                },
                onClick: (event, elements) => {
                    if (elements.length) {
                        const week = weeks[elements[0].index];
                        this.drill("handoffs", [week.date_from, week.date_to]);
                    }
                },
            },
        });
    }

    /** Marketing's share of the open pipeline by month of creation, against
     * the research's bands; a month opens its marketing-sourced pipeline. */
    shareChart(canvas, data) {
        const months = data.monthly_share;
        const colors = ["#dc3545", "#ffc107", "#28a745"];
        return new Chart(canvas, {
            data: {
                labels: months.map((month) => month.label),
                datasets: [
                    {
                        type: "bar",
                        label: _t("Marketing-sourced share (%)"),
                        data: months.map((month) => month.share),
                        backgroundColor: "#17a2b8",
                        yAxisID: "rate",
                    },
                    ...data.share.bands.map((band, index) =>
                        this.referenceLine(band.label, band.value, months.length, colors[index])
                    ),
                ],
            },
            options: {
                responsive: true,
                maintainAspectRatio: false,
                animation: false,
                scales: { rate: { position: "left", min: 0, suggestedMax: 50 } },
                plugins: {
                    tooltip: {
                        callbacks: {
                            footer: (items) => {
                                const month = months[items[0].dataIndex];
                                return month
                                    ? `${this.money(month.sourced_pipeline)} / ${this.money(month.pipeline)}`
                                    : "";
                            },
                        },
                    },
                },
                onClick: (event, elements) => {
                    if (elements.length) {
                        const month = months[elements[0].index];
                        this.drill("sourced_pipeline", [month.date_from, month.date_to]);
                    }
                },
            },
        });
    }

    money(value) {
        return formatMonetary(value, { currencyId: this.state.data.currency_id });
    }

    barChart(canvas, points, color) {
        return new Chart(canvas, {
            type: "bar",
            data: {
                labels: points.map((point) => point.label),
                datasets: [{ data: points.map((point) => point.value), backgroundColor: color }],
            },
            options: {
                responsive: true,
                maintainAspectRatio: false,
                animation: false,
                plugins: { legend: { display: false } },
                scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
                onClick: (event, elements) => {
                    if (elements.length) {
                        this.drill(points[elements[0].index].figure);
                    }
                },
            },
        });
    }
}

registry.category("actions").add("crm_alignment.charts", AlignmentCharts);
