package dev.groundiff;

/**
 * An error caused by the user's input (a bad file, a wrong option, an unknown category).
 * The command line prints its message on one line and exits with status 2, without a stack trace.
 */
public class GroundiffException extends RuntimeException {
    public GroundiffException(String message) {
        super(message);
    }

    public GroundiffException(String message, Throwable cause) {
        super(message, cause);
    }
}
