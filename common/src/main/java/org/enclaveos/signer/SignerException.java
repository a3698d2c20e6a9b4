package org.enclaveos.signer;

/**
 * The one exception type the library throws for anything a user can cause. Its message is a single
 * line that names the file, field or option and says what was expected; the command line prints it
 * as it is, so write it for a person.
 */
public class SignerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorKind kind;

    public SignerException(ErrorKind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public SignerException(ErrorKind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public ErrorKind kind() {
        return kind;
    }

    /** The same failure with a prefix saying where it happened, e.g. the file name. */
    public SignerException in(String context) {
        SignerException wrapped = new SignerException(kind, context + ": " + getMessage(), this);
        wrapped.setStackTrace(getStackTrace());
        return wrapped;
    }

    public static SignerException malformed(String message) {
        return new SignerException(ErrorKind.MALFORMED_INPUT, message);
    }
}
