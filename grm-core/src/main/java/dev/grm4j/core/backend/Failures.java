package dev.grm4j.core.backend;

import java.io.EOFException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.util.List;

/**
 * Words for failures whose exceptions say little: the JDK's HTTP client reports a refused connection
 * as a {@code ConnectException} without a message over a {@code ClosedChannelException} without one,
 * and an unknown host as the same over an {@code UnresolvedAddressException}; langchain4j wraps those
 * in exceptions whose message is the inner class name. Shared by both backends, so every failure
 * message names its cause, never a bare class name. Stateless.
 */
final class Failures {

    private Failures() {
    }

    /**
     * Whether {@code failure} says no connection could be opened because the other side answered no:
     * refused, unknown host, no route. A connect <em>timeout</em> is not one: no answer is not a no.
     */
    static boolean isConnectFailure(Throwable failure) {
        boolean connect = false;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof HttpTimeoutException) {
                return false;
            }
            if (t instanceof UnresolvedAddressException || t instanceof UnknownHostException
                    || t instanceof NoRouteToHostException) {
                return true;
            }
            connect |= t instanceof ConnectException;
        }
        return connect;
    }

    /**
     * What went wrong opening a connection, for a failure {@link #isConnectFailure} accepts:
     * "unknown host gpu-1", "no route to host", "connection refused".
     *
     * @param host the host called, named by "unknown host"; null when the caller cannot know it
     */
    static String connectProblem(Throwable failure, String host) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof UnresolvedAddressException || t instanceof UnknownHostException) {
                return "unknown host" + (host != null ? " " + host
                        : t.getMessage() != null ? " " + t.getMessage() : "");
            }
            if (t instanceof NoRouteToHostException) {
                return "no route to host";
            }
        }
        String message = deepestMessage(failure);
        // JDK 17's HTTP client gives a refused connect no words at all (a ClosedChannelException inside).
        return message != null ? lowerFirst(message) : "connection refused";
    }

    /**
     * The most telling message in the chain with the class that said it, e.g. "Connection reset
     * (SocketException)"; for a chain without any message, what its classes mean.
     */
    static String describe(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String message = t.getMessage();
            if (message != null && !message.isBlank() && !isClassName(message, t.getCause())) {
                return message + " (" + t.getClass().getSimpleName() + ")";
            }
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof EOFException) {
                return "the connection closed before the answer was complete (EOFException)";
            }
        }
        return "no detail given (" + chainOfNames(failure) + ")";
    }

    /** The last message in the chain that is not just a wrapped exception's toString, or null. */
    private static String deepestMessage(Throwable failure) {
        String found = null;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String message = t.getMessage();
            if (message != null && !message.isBlank() && !isClassName(message, t.getCause())) {
                found = message;
            }
        }
        return found;
    }

    /** A wrapper's message that only repeats its cause: "java.net.ConnectException" and the like. */
    private static boolean isClassName(String message, Throwable cause) {
        return cause != null && (message.equals(cause.toString()) || message.equals(cause.getClass().getName()));
    }

    private static String chainOfNames(Throwable failure) {
        List<String> names = new java.util.ArrayList<>();
        for (Throwable t = failure; t != null && names.size() < 4; t = t.getCause()) {
            names.add(t.getClass().getSimpleName());
        }
        return String.join(" caused by ", names);
    }

    private static String lowerFirst(String message) {
        return message.length() > 1 && Character.isUpperCase(message.charAt(0)) && Character.isLowerCase(message.charAt(1))
                ? Character.toLowerCase(message.charAt(0)) + message.substring(1)
                : message;
    }
}
