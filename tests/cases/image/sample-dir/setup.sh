# dir: of layers 1 and 2 copied into one tree (no whiteouts: a plain root file system).
mkdir -p "$WORK/root"
cp -a "$BH_SOURCE_ROOT/tests/fixtures/images/sample/layer1/." "$WORK/root/"
cp -a "$BH_SOURCE_ROOT/tests/fixtures/images/sample/layer2/." "$WORK/root/"
