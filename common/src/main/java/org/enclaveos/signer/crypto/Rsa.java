package org.enclaveos.signer.crypto;

import java.math.BigInteger;

import org.enclaveos.signer.io.LittleEndian;

/** RSA number conversions and the Q1/Q2 values EINIT needs. */
public final class Rsa {
    private Rsa() {
    }

    /** The two helper values SIGSTRUCT carries so EINIT can check S^3 mod M without dividing. */
    public record Q1Q2(BigInteger q1, BigInteger q2) {
    }

    /** Q1 = floor(S^2 / M); Q2 = floor(S * (S^2 mod M) / M). */
    public static Q1Q2 q1q2(BigInteger signature, BigInteger modulus) {
        BigInteger s2 = signature.multiply(signature);
        BigInteger[] qr = s2.divideAndRemainder(modulus);
        BigInteger q2 = signature.multiply(qr[1]).divide(modulus);
        return new Q1Q2(qr[0], q2);
    }

    /**
     * Checks stored Q1 and Q2 with multiplications only, as EINIT uses them: q is floor(a / M) exactly
     * when 0 <= a - q*M < M (a quotient is unique), with a = S^2 for Q1 and a = S * (S^2 mod M) for
     * Q2. Every SIGSTRUCT a ceremony makes is checked twice; two long divisions each time were a
     * fifth of a signing thread's work (issue 17). Dividing is left to {@link #q1q2}, which makes them.
     */
    public static Q1Q2Check checkQ1Q2(BigInteger signature, BigInteger modulus, BigInteger q1, BigInteger q2) {
        BigInteger s2 = signature.multiply(signature);
        BigInteger r1 = remainderIfQuotient(s2, modulus, q1);
        boolean q1Right = r1 != null;
        if (r1 == null) {
            r1 = s2.mod(modulus); // Q1 is wrong; Q2 is still judged on its own
        }
        return new Q1Q2Check(q1Right, remainderIfQuotient(signature.multiply(r1), modulus, q2) != null);
    }

    /** Whether each stored value is right. */
    public record Q1Q2Check(boolean q1, boolean q2) {
    }

    /** a - q*m if that lies in [0, m), that is if q = floor(a / m); otherwise null. */
    private static BigInteger remainderIfQuotient(BigInteger a, BigInteger m, BigInteger q) {
        BigInteger r = a.subtract(q.multiply(m));
        return r.signum() >= 0 && r.compareTo(m) < 0 ? r : null;
    }

    /** A non-negative number as 384 bytes little-endian (SIGSTRUCT's form). */
    public static byte[] toLittleEndian(BigInteger value) {
        return LittleEndian.reversed(toBigEndian(value));
    }

    /** A non-negative number as exactly 384 bytes big-endian (OpenSSL's and the JDK's form). */
    public static byte[] toBigEndian(BigInteger value) {
        byte[] raw = value.toByteArray();
        int start = raw.length > 1 && raw[0] == 0 ? 1 : 0;
        int len = raw.length - start;
        if (value.signum() < 0 || len > KeyRules.MODULUS_BYTES) {
            throw new IllegalArgumentException("number does not fit in 384 bytes");
        }
        byte[] out = new byte[KeyRules.MODULUS_BYTES];
        System.arraycopy(raw, start, out, out.length - len, len);
        return out;
    }

    public static BigInteger fromLittleEndian(byte[] le) {
        return new BigInteger(1, LittleEndian.reversed(le));
    }
}
