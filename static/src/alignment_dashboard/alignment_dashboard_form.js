import { registry } from "@web/core/registry";
import { formView } from "@web/views/form/form_view";
import { FormController } from "@web/views/form/form_controller";

/**
 * The dashboard is a view of figures, not a record being edited: its
 * breadcrumb reads the dashboard's name (not "New") and it offers no save
 * or discard (its period and team are filters; nothing is stored).
 */
export class AlignmentDashboardFormController extends FormController {
    displayName() {
        return this.props.archInfo.xmlDoc.getAttribute("string") || super.displayName();
    }

    get className() {
        return { ...super.className, o_alignment_dashboard_view: true };
    }
}

registry.category("views").add("crm_alignment_dashboard_form", {
    ...formView,
    Controller: AlignmentDashboardFormController,
});
