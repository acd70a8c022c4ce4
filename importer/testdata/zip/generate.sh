#!/bin/sh
# Regenerates the committed bundles from src/. Needs Info-ZIP zip (apt: zip);
# the tests only read the results. Entries are added in sorted order so the
# archive order, which the tests check, does not depend on the file system.
#
#   bundle.zip     src/ as a provider's download looks after a Mac touched
#                  it: folders, a README, __MACOSX metadata, a broken file,
#                  a name used twice
#   encrypted.zip  one password-protected entry, one plain one
set -eu
cd "$(dirname "$0")"
rm -f bundle.zip encrypted.zip
(cd src && find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort | zip -q -X ../bundle.zip -@)
(cd src && zip -q -X -P secret ../encrypted.zip se-sto-wg-001.conf && zip -q -X ../encrypted.zip us/us-nyc-wg-301.conf)
