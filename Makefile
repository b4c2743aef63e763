# Sales & Marketing Alignment (crm_alignment): one-command run and test.
# Everything built (virtualenv, cached Odoo, filestore, logs) lives outside
# the repository, in ~/.cache/crm_alignment (CRM_ALIGNMENT_CACHE overrides).
SHELL := /bin/bash
.DEFAULT_GOAL := help
TOOLS := dev

.PHONY: help run stop test check-install upgrade-check lint format doctor pot bench compat wheel readme screenshots loadtest replica faults scoreboard-check clean distclean

help: ## list the commands
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

run: ## set up what is missing and serve the demo database at http://localhost:8069 (admin/admin)
	@$(TOOLS)/run.sh

stop: ## stop the server started by make run
	@$(TOOLS)/run.sh stop

test: ## install the addon in a throwaway database and run all its tests and tours
	@$(TOOLS)/test.sh

check-install: ## install without demo data in a new database, then uninstall cleanly
	@$(TOOLS)/check_install.sh

upgrade-check: ## the previous release with demo data, upgraded to this one: its migration checked
	@$(TOOLS)/upgrade_check.sh

lint: ## ruff check, ruff format --check, pylint-odoo
	@$(TOOLS)/lint.sh

format: ## apply ruff's fixes and formatting
	@$(TOOLS)/lint.sh --fix

doctor: ## show what was found; fails if make test cannot run here
	@$(TOOLS)/doctor.sh

pot: ## regenerate i18n/crm_alignment.pot from a fresh install
	@$(TOOLS)/pot.sh

bench: ## time the addon against plain crm (BENCH_N=10000 leads by default)
	@$(TOOLS)/bench.sh

compat: ## Odoo's own tests of crm and its satellites, without and with the addon: lists what fails only with it
	@$(TOOLS)/compat.sh

wheel: ## build the OCA-style wheel odoo-addon-crm_alignment (make wheel-check also installs it from a new venv)
	@$(TOOLS)/wheel.sh

wheel-check: ## build the wheel, pip-install it into a new virtualenv and install the addon from it
	@$(TOOLS)/wheel.sh --check

readme: ## regenerate static/description/index.html from readme/
	@$(TOOLS)/readme.sh

screenshots: ## the README / Apps page pictures, taken from the demo database (starts make run if needed)
	@$(TOOLS)/screenshots.sh

replica: ## a local streaming replica (PostgreSQL cluster on port 5433) for Odoo's --db_replica_port; REPLICA=stop|status|drop
	@$(TOOLS)/replica.sh $(REPLICA)

loadtest: ## multi-worker load test with invariants (LOAD_CLIENTS, LOAD_DURATION, LOAD_WORKERS), side by side with crm
	@$(TOOLS)/loadtest.sh

faults: ## kill -9 the SLA job and a batch hand-off mid-way, restart PostgreSQL mid-job; checks nothing is lost or done twice
	@$(TOOLS)/faults.sh

scoreboard-check: ## DB=<database>: the scoreboard's pre-aggregated history against the live scan, as one user of each role (USERS=login,... to name them)
	@$(TOOLS)/scoreboard_check.sh "$(DB)" "$(USERS)"

clean: ## stop the server, drop the demo database and leftover test databases
	@$(TOOLS)/run.sh clean

distclean: clean ## also remove the virtualenv (the cached Odoo source is kept)
	@$(TOOLS)/run.sh distclean
