#!/usr/bin/env bash
# The pybabel workflow (FAB's `flask fab babel-extract` does not wait for pybabel, so we call it directly):
#   scripts/translations.sh update   extract our msgids and merge them into translations/*/messages.po
#   scripts/translations.sh compile  build the .mo files the app reads (done by the README's commands)
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=${PYBABEL:-.venv/bin/pybabel}
case "${1:-compile}" in
  update)
    "$PYBABEL" extract -F babel.cfg -k _l -k lazy_gettext -k _ -k gettext -k ngettext:1,2 \
      --no-location --sort-output -o translations/messages.pot .
    for lang in zh; do
      if [ -f "translations/$lang/LC_MESSAGES/messages.po" ]; then
        "$PYBABEL" update -i translations/messages.pot -d translations -l "$lang" --no-fuzzy-matching
      else
        "$PYBABEL" init -i translations/messages.pot -d translations -l "$lang"
      fi
    done
    ;;
  compile)
    "$PYBABEL" compile -d translations --statistics 2>&1 | grep -v '^$' || true
    ;;
  *) echo "usage: $0 update|compile" >&2; exit 2 ;;
esac
