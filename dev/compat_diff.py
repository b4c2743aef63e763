"""Compare two Odoo test logs: the tests that fail only in the second one.

Usage: compat_diff.py BASE_LOG ADDON_LOG
"""

import re
import sys

# "FAIL: TestX.test_y", "ERROR: TestX.test_y", "ERROR: setUpClass (...)",
# with or without "Subtest ... (...)"
FAILED = re.compile(r" (?:FAIL|ERROR): (?:Subtest )?(\S+(?: \([^)]*\))?)")
RECORD = re.compile(r"([a-z_.]+)\([0-9, ]*\)")
RAN = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests")


def failures(path):
    with open(path, encoding="utf-8", errors="replace") as log:
        text = log.read()
    # record ids differ between the two databases: "res.partner(392,)" and
    # "res.partner(372,)" name the same subtest
    failed = {RECORD.sub(r"\1(…)", match.group(1)) for match in FAILED.finditer(text)}
    ran = sum(int(match.group(3)) for match in RAN.finditer(text))
    return failed, ran


def main(base_log, addon_log):
    base, base_ran = failures(base_log)
    addon, addon_ran = failures(addon_log)
    only_addon = sorted(addon - base)
    print(f"without the addon: {base_ran} tests, {len(base)} failing")
    print(f"with the addon:    {addon_ran} tests, {len(addon)} failing")
    for name in sorted(base & addon):
        print(f"  fails either way (environment): {name}")
    for name in only_addon:
        print(f"  FAILS ONLY WITH THE ADDON: {name}")
    if not addon_ran:
        print("no test ran with the addon")
        return 1
    print(
        f"{len(only_addon)} tests fail only with crm_alignment"
        if only_addon
        else "No test of Odoo fails because of crm_alignment."
    )
    return 1 if only_addon else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
