package dev.grm4j.spark;

import org.apache.spark.sql.SparkSession;

/**
 * The tests' Spark: local mode with two task slots and up to four attempts per task (local mode's
 * default is one, which would make a failed task fail the job, unlike a cluster). One session for all
 * the tests of the JVM: starting Spark costs seconds.
 */
final class LocalSpark {

    private static SparkSession session;

    private LocalSpark() {
    }

    static synchronized SparkSession session() {
        if (session == null) {
            session = SparkSession.builder()
                    .master("local[2,4]")
                    .appName("grm-spark tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.default.parallelism", "4")
                    .config("spark.sql.shuffle.partitions", "4")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .getOrCreate();
        }
        return session;
    }
}
