#!/bin/bash
# House rule (STYLE.md §4, after curl's checksrc): no unbounded C library
# calls in the library, the CLI or the tools. Fails naming each use.
set -u
SRC=${TDV_SRC:?}
pattern='\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|atoll|scanf|sscanf|fscanf)[[:space:]]*\('
hits=$(grep -rnE "$pattern" "$SRC/src" "$SRC/tools" "$SRC/include" --include='*.c' --include='*.h' \
	| grep -vE '//.*(strcpy|sprintf)|/\*.*\*/' || true)
if [ -n "$hits" ]; then
	echo "FAIL banned functions used:"
	echo "$hits"
	exit 1
fi
echo "ok   no banned functions in src/, tools/, include/"
