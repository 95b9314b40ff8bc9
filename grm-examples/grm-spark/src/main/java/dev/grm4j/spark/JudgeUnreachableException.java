package dev.grm4j.spark;

import java.io.Serial;

/**
 * A task stopped because its executor's judge is unreachable (connection refused, HTTP 401/403/404, or
 * calls failing in a row): Spark retries the task, and fails the job with this message once
 * {@code spark.task.maxFailures} attempts have met it.
 */
public final class JudgeUnreachableException extends RuntimeException {

    @Serial
    private static final long serialVersionUID = 1L;

    JudgeUnreachableException(String message) {
        super(message);
    }
}
