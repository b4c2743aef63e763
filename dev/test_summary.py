"""Read an Odoo test log and decide: exit 1 unless tests ran and none failed,
errored or was skipped (Odoo itself only counts failures and errors; a tour
whose browser cannot start is merely logged as skipped). Log records of
level WARNING and above are checklog-odoo's to judge (dev/test.sh); its
verdict comes in as ``log_ok``."""

import re
import sys

SUMMARY = re.compile(
    r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database"
)
SKIPPED = re.compile(r" (?:INFO|WARNING) \S+ \S+: skipped ")


def main(log_path, odoo_rc, log_ok):
    failed = errors = run = None
    skipped = 0
    with open(log_path, encoding="utf-8", errors="replace") as log:
        for line in log:
            if match := SUMMARY.search(line):
                failed, errors, run = map(int, match.groups())
            elif SKIPPED.search(line):
                skipped += 1
    print("=" * 60)
    if run is None:
        print("No test summary in the log: Odoo did not run the tests.")
        return 1
    print(
        f"Tests run: {run}, failed: {failed}, errors: {errors}, "
        f"skipped: {skipped}, log checked: {'ok' if log_ok == '0' else 'errors'}, "
        f"odoo exit: {odoo_rc}"
    )
    # The plain closing line CI reads: "N passed, N failed, N skipped".
    bad = failed + errors
    print(f"{run - bad - skipped} passed, {bad} failed, {skipped} skipped")
    verdict = []
    if run == 0:
        verdict.append("no test ran")
    if failed or errors:
        verdict.append("tests failed")
    if skipped:
        verdict.append("tests were skipped (a skipped test is a failed test here)")
    if log_ok != "0":
        verdict.append("checklog-odoo found unexpected warnings or errors")
    if int(odoo_rc) != 0:
        verdict.append(f"odoo exited with {odoo_rc}")
    print("FAILED: " + "; ".join(verdict) if verdict else "OK")
    return 1 if verdict else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3]))
