package dev.grm4j.core.backend;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * No connection to the server could be opened, and the network said why: the connection was refused,
 * the host name does not resolve, or there is no route to it. Unlike a timeout, this is an answer:
 * nothing is serving at that address right now. Retriable (a server may be starting), but a batch that
 * sees it has no judge to talk to; {@code grm score}, {@code eval} and {@code rft} stop on it.
 *
 * <p>The message names the address and the cause, e.g. {@code "could not connect to
 * http://127.0.0.1:9/v1/chat/completions: connection refused"}; the cause is the client's exception.
 */
public final class BackendConnectException extends BackendException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message names the address and why it could not be reached
     * @param cause   the HTTP client's exception
     */
    public BackendConnectException(String message, Throwable cause) {
        super(message, cause, true, OptionalInt.empty(), Optional.<Duration>empty());
    }
}
