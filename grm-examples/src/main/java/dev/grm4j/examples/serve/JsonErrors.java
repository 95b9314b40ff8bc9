package dev.grm4j.examples.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * Jetty's own error answers (a malformed request line, headers too large, a broken chunk, a request
 * failed before the routes saw it) in the server's shape, {@code {"error": {"message", "type"}}},
 * whatever the client accepts: a reward client parses JSON, never an HTML page.
 */
final class JsonErrors extends ErrorHandler {

    private final String retryAfterSeconds;

    JsonErrors(Duration retryAfter) {
        this.retryAfterSeconds = Long.toString(Math.max(1, retryAfter.toSeconds()));
    }

    @Override
    public boolean errorPageForMethod(String method) {
        return true;
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) {
        String reason = HttpStatus.getMessage(code);
        String detail = message == null || message.isBlank() || message.equals(reason) ? null : message;
        if (detail == null && cause != null && cause.getCause() != null) {
            // A bare "Bad Request" says nothing; its cause does ("long overflow" for a giant Content-Length).
            detail = Failures.explain(cause.getCause());
        }
        String text = code == HttpStatus.BAD_REQUEST_400 ? "bad HTTP request" + (detail == null ? "" : ": " + detail)
                : detail == null ? reason : detail;
        byte[] body;
        try {
            body = Routes.JSON.writeValueAsBytes(Routes.error(code, text).body());
        } catch (JsonProcessingException e) {
            callback.failed(e);
            return;
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        if (code == HttpStatus.SERVICE_UNAVAILABLE_503) {
            response.getHeaders().put(HttpHeader.RETRY_AFTER, retryAfterSeconds);
        }
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
