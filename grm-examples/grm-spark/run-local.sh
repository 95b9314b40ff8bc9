#!/usr/bin/env bash
# Runs the grm-spark job in Spark's local mode, through spark-submit's own entry point (SparkSubmit),
# on the Spark jars of the local Maven repository: no Spark installation needed.
#
#   grm-examples/grm-spark/run-local.sh --in FILE.jsonl --out DIR [grm score's flags]
#
# DIR (which must not exist) receives Spark's part files of JSON lines; read in order, they are what
# grm score writes for FILE.jsonl. Build first, from the repository's root: mvn -B -q -DskipTests package
# SPARK_MASTER overrides the master (default local[*,4]: every core, four attempts per task).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
target="$here/target"
for built in grm-spark.jar spark-classpath.txt jvm-options.txt; do
  if [ ! -f "$target/$built" ]; then
    echo "run-local.sh: $target/$built is missing; build first, from the repository's root: mvn -B -q -DskipTests package" >&2
    exit 2
  fi
done
read -r -a jvm_options < "$target/jvm-options.txt"
exec java "${jvm_options[@]}" -Dlog4j2.configurationFile="$target/log4j2.properties" \
  -cp "$(cat "$target/spark-classpath.txt")" org.apache.spark.deploy.SparkSubmit \
  --master "${SPARK_MASTER:-local[*,4]}" --conf spark.ui.enabled=false \
  --class dev.grm4j.spark.ScoreJob "$target/grm-spark.jar" "$@"
