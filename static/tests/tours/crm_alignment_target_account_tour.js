import { registry } from "@web/core/registry";

const tours = registry.category("web_tour.tours");

const pick = (field, text, scope = "") => [
    {
        content: `Type ${text} in ${field}`,
        trigger: `${scope} .o_data_row .o_field_widget[name='${field}'] input`,
        run: `edit ${text}`,
    },
    { trigger: `.ui-autocomplete a:contains('${text}')`, run: "click" },
];

// Marketing proposes a list and adds a company.
tours.add("crm_alignment_abm_propose_tour", {
    steps: () => [
        {
            trigger: ".o_field_widget[name='name'] input",
            run: "edit Tour Strategic Accounts",
        },
        {
            trigger: ".o_field_widget[name='account_ids'] .o_field_x2many_list_row_add a",
            run: "click",
        },
        ...pick("partner_id", "Tour Target Co", ".o_field_widget[name='account_ids']"),
        { trigger: ".o_form_button_save", run: "click" },
        { trigger: ".o_breadcrumb .active:contains('Tour Strategic Accounts')" },
        {
            trigger: ".o_field_widget[name='state'] button[data-value='proposed'].o_arrow_button_current",
        },
    ],
});

// Each side signs off with its own button.
for (const side of ["sales", "marketing"]) {
    tours.add(`crm_alignment_abm_agree_${side}_tour`, {
        steps: () => [
            { trigger: `button[name='action_agree_${side}']`, run: "click" },
            {
                content: "The sign-off is recorded",
                trigger: `.o_field_widget[name='${side}_agreed_user_id']:contains('Tour')`,
            },
        ],
    });
}

// A salesperson names the account's champion.
tours.add("crm_alignment_abm_roles_tour", {
    steps: () => [
        { trigger: ".o_field_widget[name='coverage_display']:contains('0 / 5')" },
        {
            trigger: ".o_field_widget[name='contact_ids'] .o_field_x2many_list_row_add a",
            run: "click",
        },
        ...pick("partner_id", "Tour Champion", ".o_field_widget[name='contact_ids']"),
        ...pick("role_id", "Champion", ".o_field_widget[name='contact_ids']"),
        { trigger: ".o_form_button_save", run: "click" },
        // the coverage already reads 1 / 5 before the save (onchange):
        // wait for the record to be saved, not for the figure
        { trigger: ".o_form_saved .o_field_widget[name='coverage_display']:contains('1 / 5')" },
    ],
});

// The company's lead now shows as a target-account lead.
tours.add("crm_alignment_abm_lead_tour", {
    steps: () => [
        {
            content: "The lead card wears the target badge",
            trigger: ".o_kanban_record:contains('Tour Target Lead') .o_crm_alignment_target_tier:contains('Tier 2')",
        },
    ],
});
