import { Component, onWillStart, useEffect, useRef, useState } from "@odoo/owl";
import { loadBundle } from "@web/core/assets";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

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

    async drill(figure) {
        const action = await this.orm.call(
            "crm.alignment.dashboard",
            "action_chart_drill",
            [figure, ...this.bounds],
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
