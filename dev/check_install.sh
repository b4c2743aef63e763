#!/usr/bin/env bash
# make check-install: the addon installs into a CRM that already runs and
# uninstalls cleanly.
#  1. a database with crm and the satellites present in the Odoo tree, and a
#     history of leads (CHECK_INSTALL_LEADS, default 5,000: open, won, lost,
#     archived, converted, with and without teams or salespeople, in two
#     companies), made in SQL;
#  2. crm_alignment is installed without demo data: the existing leads are
#     classified by rule, in SQL; the time taken and the result are checked;
#  3. every engagement signal of the installed apps is read (rolled back);
#  4. the scoreboard's history, filled at install, equals the live scan for
#     one user of each role (dev/scoreboard_check.py);
#  5. it is uninstalled: the schema is again the one before the install (no
#     table, column, index, constraint, trigger or function of it is left,
#     none of crm's is missing), and Odoo's own lead data is exactly as it
#     was before the install.
source "$(dirname "$0")/lib.sh"
setup_all
DB="${TEST_DB_PREFIX}install_$(date +%Y%m%d%H%M%S)_$$"
LOG="$CACHE_DIR/check-install-$DB.log"
LEADS="${CHECK_INSTALL_LEADS:-5000}"
SATELLITES=""
for module in sale_crm website_crm event_crm mass_mailing_crm crm_livechat crm_sms iap_crm; do
    [ -d "$ODOO_ROOT/addons/$module" ] && SATELLITES="$SATELLITES,$module"
done
trap 'db_exists "$DB" && dropdb "$DB"; rm -rf "$DATA_DIR/filestore/$DB"' EXIT

shell() {
    "$VENV/bin/python" "$ODOO_ROOT/odoo-bin" shell --addons-path="$ADDONS_PATH" \
        --data-dir="$DATA_DIR" -d "$DB" --log-level warn --no-http >>"$LOG" 2>&1
}

# the addon's own dependencies too: what the uninstall leaves installed is
# then in the schema taken before the install
DEPENDS="$("$VENV/bin/python" -c 'import ast, sys; print(",".join(ast.literal_eval(open(sys.argv[1]).read())["depends"]))' "$REPO_DIR/__manifest__.py")"
CRM_MODULES="$(tr ',' '\n' <<<"crm$SATELLITES,$DEPENDS" | awk '!seen[$0]++' | paste -sd, -)"
say "A running CRM: $CRM_MODULES in $DB, without demo data"
odoo_bin -d "$DB" -i "$CRM_MODULES" --without-demo=all --stop-after-init --log-level warn \
    --max-cron-threads 0 --http-port 0 >"$LOG" 2>&1 || { cat "$LOG"; die "crm install failed"; }

say "Its history: $LEADS leads in two companies"
shell <<'PY' || { cat "$LOG"; die "could not make a second company"; }
env["res.company"].create({"name": "Second Company"})
env["crm.team"].create({"name": "Second Team", "company_id": env["res.company"].search([("name", "=", "Second Company")]).id})
# its users, one of each of crm's roles (the scoreboard check reads as each)
companies = env["res.company"].search([], order="id")
for login, group, company_ids in (
    ("check_own_leads", "sales_team.group_sale_salesman", companies[:1].ids),
    ("check_all_leads", "sales_team.group_sale_salesman_all_leads", companies[:1].ids),
    ("check_sales_manager", "sales_team.group_sale_manager", companies[:1].ids),
    ("check_two_companies", "sales_team.group_sale_salesman_all_leads", companies.ids),
):
    env["res.users"].create({
        "name": login, "login": login, "company_id": companies[0].id,
        "company_ids": [(6, 0, company_ids)], "groups_id": [(4, env.ref(group).id)],
    })
env.cr.commit()
PY
psql -d "$DB" -q -v ON_ERROR_STOP=1 -v leads="$LEADS" <<'SQL'
INSERT INTO crm_lead (name, type, active, probability, company_id, team_id, user_id,
                      stage_id, create_uid, write_uid, create_date, write_date, priority)
SELECT 'History ' || n,
       CASE WHEN n % 3 = 0 THEN 'opportunity' ELSE 'lead' END,
       n % 7 != 0,                                    -- archived or lost
       CASE WHEN n % 7 = 0 THEN 0 WHEN n % 11 = 0 THEN 100 ELSE 10 END,
       CASE WHEN n % 5 = 0 THEN (SELECT max(id) FROM res_company)
            ELSE (SELECT min(id) FROM res_company) END,
       CASE WHEN n % 4 = 0 THEN NULL
            WHEN n % 5 = 0 THEN (SELECT max(id) FROM crm_team)
            ELSE (SELECT min(id) FROM crm_team) END,
       CASE WHEN n % 2 = 0 THEN 2 END,                 -- the administrator
       CASE WHEN n % 11 = 0 THEN (SELECT id FROM crm_stage WHERE is_won LIMIT 1)
            ELSE (SELECT min(id) FROM crm_stage) END,
       CASE WHEN n % 3 = 1 THEN 2 ELSE 1 END, 1,
       now() AT TIME ZONE 'UTC' - make_interval(days => n % 400),
       now() AT TIME ZONE 'UTC', '0'
  FROM generate_series(1, :leads) n;
SQL

# Odoo's own lead data, to compare after the uninstall
# (not write_date: filling the addon's stored computed columns of existing
# leads at install, as any module's, bumps it)
CRM_COLUMNS="name type active probability company_id team_id user_id stage_id partner_id email_from phone expected_revenue date_open date_closed write_uid"
crm_digest() {  # one md5 per column of crm's own, to name what changed
    local column
    for column in $CRM_COLUMNS; do
        printf '%s=%s ' "$column" "$(psql -d "$DB" -Atc "select md5(string_agg(concat(id, ':', $column), ',' order by id)) from crm_lead")"
    done
}
before="$(crm_digest)"
schema_before="$(db_schema "$DB")"

say "Installing $MODULE without demo data into $DB"
start=$(date +%s%N)
odoo_bin -d "$DB" -i "$MODULE" --without-demo=all --stop-after-init --log-level warn \
    --log-handler odoo.addons.crm_alignment.hooks:INFO \
    --max-cron-threads 0 --http-port 0 >>"$LOG" 2>&1 || { cat "$LOG"; die "install failed"; }
seconds="$(( ($(date +%s%N) - start) / 1000000 ))"
seconds="$((seconds / 1000)).$(printf '%03d' $((seconds % 1000)))"
say "Installed in ${seconds} s (Odoo's module install included); $(grep -o 'classified [0-9]* existing leads in [0-9.]* s' "$LOG" | tail -n 1)"
# The rule: opportunities and assigned leads are sales' (Accepted / sales);
# the others are raw marketing leads (New / marketing).
wrong="$(psql -d "$DB" -Atc "select count(*) from crm_lead where name like 'History %' and
    (lifecycle_stage, sourced_by) is distinct from
    (case when type = 'opportunity' or user_id is not null then 'accepted' else 'new' end,
     case when type = 'opportunity' or user_id is not null then 'sales' else 'marketing' end)")"
classified="$(psql -d "$DB" -Atc "select string_agg(lifecycle_stage || ': ' || n, ', ' order by lifecycle_stage)
    from (select lifecycle_stage, count(*) n from crm_lead where name like 'History %' group by 1) s")"
say "Existing leads classified: $classified"
[ "$wrong" = 0 ] || die "$wrong existing leads were not classified by the rule"
[ "$(psql -d "$DB" -Atc "select coalesce(bool_or(marketing_qualifies_leads), false)::text from res_company")" = false ] ||
    die "install must leave marketing qualification off (nothing changes for existing teams)"

# the engagement signals of the apps installed here (website, events, live
# chat are not dependencies, so make test does not have them): each is read
say "Engagement signals read from every installed app (rolled back)"
shell <"$REPO_DIR/dev/check_engagement_signals.py" || { cat "$LOG"; die "engagement signals check failed"; }
grep -o 'ENGAGEMENT-SIGNALS .*' "$LOG" | tail -n 1

# the scoreboard's history, filled at install from leads it did not see
# made, against the live scan, as each role (marketing's made now)
say "The scoreboard's history against the live scan, as each role"
shell <<'PY' || { cat "$LOG"; die "could not add the marketing users"; }
for login, group in (
    ("check_marketer", "crm_alignment.group_marketing_user"),
    ("check_marketing_manager", "crm_alignment.group_marketing_manager"),
):
    env["res.users"].create({"name": login, "login": login, "groups_id": [(4, env.ref(group).id)]})
env.cr.commit()
PY
"$VENV/bin/python" "$REPO_DIR/dev/scoreboard_check.py" --db "$DB" \
    --addons-path "$ADDONS_PATH" --data-dir "$DATA_DIR" ||
    die "the scoreboard's history differs from the live scan"

say "Uninstalling $MODULE (click-odoo-uninstall)"
"$VENV/bin/click-odoo-uninstall" -c "$(odoo_rc)" -d "$DB" -m "$MODULE" --log-level warn \
    >>"$LOG" 2>&1 || { cat "$LOG"; die "uninstall failed"; }
check_log "$LOG"
state="$(psql -d "$DB" -Atc "select state from ir_module_module where name = '$MODULE'")"
[ "$state" = "uninstalled" ] || die "module state after uninstall: $state"
same_schema "$schema_before" "$(db_schema "$DB")" \
    "the uninstall did not give back the schema of before the install (< before, > after)"
after="$(crm_digest)"
if [ "$after" != "$before" ]; then
    changed="$( (diff <(tr ' ' '\n' <<<"$before") <(tr ' ' '\n' <<<"$after") || true) | grep '^>' | cut -d= -f1 | tr -d '> ' | xargs)"
    die "Odoo's own lead data changed between before the install and after the uninstall: $changed"
fi
say "Installs into a populated CRM ($LEADS leads classified) and uninstalls leaving Odoo's schema ($(printf '%s\n' "$schema_before" | wc -l) objects) and data as they were"
