import { Component } from "@odoo/owl";
import { deserializeDateTime, formatDateTime } from "@web/core/l10n/dates";
import { formatFloat, formatInteger, formatMonetary } from "@web/views/fields/formatters";
import { registry } from "@web/core/registry";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

/**
 * A scoreboard table sent as data by the server ({columns, rows,
 * currency_id, empty}): the server computes the figures, the client
 * formats them (monetary in the company currency) and draws the table.
 */
export class AlignmentTableField extends Component {
    static template = "crm_alignment.AlignmentTableField";
    static props = { ...standardFieldProps };

    get table() {
        return this.props.record.data[this.props.name] || { columns: [], rows: [] };
    }

    format(value, column) {
        if (value === null || value === undefined || value === false) {
            return "";
        }
        switch (column.type) {
            case "integer":
                return formatInteger(value);
            case "float":
                return formatFloat(value, { digits: [16, 1] });
            case "percentage":
                return `${formatFloat(value, { digits: [16, 1] })} %`;
            case "datetime":
                return formatDateTime(deserializeDateTime(value));
            case "monetary":
                return formatMonetary(value, { currencyId: this.table.currency_id });
            default:
                return String(value);
        }
    }

    isNumber(column) {
        return !["char", "datetime"].includes(column.type);
    }
}

export const alignmentTableField = {
    component: AlignmentTableField,
    supportedTypes: ["json"],
};

registry.category("fields").add("alignment_table", alignmentTableField);
