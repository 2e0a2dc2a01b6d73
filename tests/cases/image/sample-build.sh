# SPDX-License-Identifier: Apache-2.0
# Sourced by the sample cases' setup.sh: builds the extra generated layer (a war with a
# nested jar) into $WORK/extra. Layers of the sample: tests/fixtures/images/sample/layer{1,2,3}.
FX=$BH_SOURCE_ROOT/tests/fixtures/images/sample
mkdir -p "$WORK/extra/opt/app"
python3 "$BH_SOURCE_ROOT/tests/lib/mkjar.py" "$WORK/log4j-core.jar" \
	org.apache.logging.log4j:log4j-core:2.14.1 || return 1
python3 "$BH_SOURCE_ROOT/tests/lib/mkjar.py" "$WORK/extra/opt/app/shop.war" com.example:shop:1.4.0 \
	--manifest Implementation-Title=shop --nest "$WORK/log4j-core.jar" || return 1
LAYERS="--layer $FX/layer1 --layer $FX/layer2 --layer $WORK/extra --layer $FX/layer3"
