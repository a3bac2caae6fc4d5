#!/bin/sh
# test_report.sh - runs tests/report/test_report.sh (report rendered in
# headless Chromium, compare and gate exit codes) as part of make check.
exec sh "$(dirname "$0")/../report/test_report.sh"
