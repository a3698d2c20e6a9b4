package org.enclaveos.signer.crypto;

import java.util.List;
import java.util.Optional;

/** The outcome of checking a SIGSTRUCT: every check that ran, in order, each with what it found. */
public record Verification(List<Check> checks) {

    /** The names of the checks, for callers that ask about one. */
    public enum Name {
        HEADER, EXPONENT, MODULUS_SIZE, RESERVED_ZERO, INIT_CLEAR, SIGNATURE, Q1, Q2
    }

    public record Check(Name name, boolean passed, String detail) {
        public String describe() {
            return name.name().toLowerCase().replace('_', '-') + ": " + detail;
        }
    }

    public Verification {
        checks = List.copyOf(checks);
    }

    public boolean valid() {
        return checks.stream().allMatch(Check::passed);
    }

    public boolean passed(Name name) {
        return checks.stream().filter(c -> c.name() == name).allMatch(Check::passed);
    }

    /** RSA signature over the payload (with the structure checks it depends on). */
    public boolean signatureValid() {
        return passed(Name.EXPONENT) && passed(Name.MODULUS_SIZE) && passed(Name.SIGNATURE);
    }

    public boolean q1q2Valid() {
        return passed(Name.Q1) && passed(Name.Q2);
    }

    public Optional<Check> firstFailure() {
        return checks.stream().filter(c -> !c.passed()).findFirst();
    }
}
