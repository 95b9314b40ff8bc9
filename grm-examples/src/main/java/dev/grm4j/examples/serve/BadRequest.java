package dev.grm4j.examples.serve;

/** A request the server refuses with a 4xx status; the message names the field at fault. */
final class BadRequest extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;

    BadRequest(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    BadRequest(String message) {
        this(400, message);
    }

    int status() {
        return status;
    }
}
