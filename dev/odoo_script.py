"""Odoo configured for the dev scripts that run outside odoo-bin (make
bench, make scoreboard-check): the addons path and data directory the
Makefile passes, warnings only, no cron thread."""

import odoo


def add_odoo_arguments(parser):
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--data-dir", required=True)


def configure_odoo(args):
    odoo.tools.config.parse_config(
        [
            f"--addons-path={args.addons_path}",
            f"--data-dir={args.data_dir}",
            "--log-level=warn",
            "--max-cron-threads=0",
        ]
    )
