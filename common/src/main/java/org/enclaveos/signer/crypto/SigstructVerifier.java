package org.enclaveos.signer.crypto;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.enclaveos.signer.crypto.Verification.Check;
import org.enclaveos.signer.crypto.Verification.Name;
import org.enclaveos.signer.io.Hex;
import org.enclaveos.signer.sgx.Attributes;
import org.enclaveos.signer.sgx.Sigstruct;
import org.enclaveos.signer.sgx.SigstructField;

/**
 * Checks a SIGSTRUCT the way EINIT would, plus what EINIT leaves to the signer: exponent 3, a 3072-bit
 * modulus, RSASSA-PKCS1-v1_5 SHA-256 over the payload, Q1 and Q2, reserved bytes zero, INIT clear.
 * The fixed headers were already checked by {@link Sigstruct#parse}; they are reported here too.
 */
public final class SigstructVerifier {
    private SigstructVerifier() {
    }

    public static Verification verify(Sigstruct sigstruct) {
        List<Check> checks = new ArrayList<>();
        checks.add(new Check(Name.HEADER, true, "HEADER and HEADER2 are the SGX constants"));

        long exponent = sigstruct.exponent();
        checks.add(new Check(Name.EXPONENT, exponent == 3, "EXPONENT is " + exponent + (exponent == 3 ? "" : ", expected 3")));

        BigInteger m = Rsa.fromLittleEndian(sigstruct.modulusLittleEndian());
        int bits = m.bitLength();
        checks.add(new Check(Name.MODULUS_SIZE, bits == KeyRules.MODULUS_BITS,
                "MODULUS has " + bits + " bits" + (bits == KeyRules.MODULUS_BITS ? "" : ", expected 3072")));

        List<String> dirty = new ArrayList<>();
        for (SigstructField f : SigstructField.values()) {
            if (f.reserved() && !allZero(sigstruct.field(f))) {
                dirty.add(f.name());
            }
        }
        checks.add(new Check(Name.RESERVED_ZERO, dirty.isEmpty(),
                dirty.isEmpty() ? "reserved fields are zero" : "non-zero reserved field(s): " + String.join(", ", dirty)));

        boolean init = sigstruct.attributes().has(Attributes.INIT);
        checks.add(new Check(Name.INIT_CLEAR, !init, init ? "ATTRIBUTES.INIT is set; EINIT refuses it" : "ATTRIBUTES.INIT is clear"));

        BigInteger s = Rsa.fromLittleEndian(sigstruct.signatureLittleEndian());
        boolean rsaOk = bits == KeyRules.MODULUS_BITS && s.compareTo(m) < 0 && rsaVerify(sigstruct, m, s);
        checks.add(new Check(Name.SIGNATURE, rsaOk, rsaOk
                ? "RSA signature over the payload is valid (sha256 " + sigstruct.signingPayloadSha256() + ")"
                : "RSA signature does not verify over the payload (sha256 " + sigstruct.signingPayloadSha256() + ")"));

        if (m.signum() == 0) {
            checks.add(new Check(Name.Q1, false, "no MODULUS, cannot check Q1"));
            checks.add(new Check(Name.Q2, false, "no MODULUS, cannot check Q2"));
        } else {
            byte[] q1 = sigstruct.field(SigstructField.Q1);
            byte[] q2 = sigstruct.field(SigstructField.Q2);
            Rsa.Q1Q2Check q = Rsa.checkQ1Q2(s, m, Rsa.fromLittleEndian(q1), Rsa.fromLittleEndian(q2));
            checks.add(q(Name.Q1, q1, q.q1()));
            checks.add(q(Name.Q2, q2, q.q2()));
        }
        return new Verification(checks);
    }

    private static Check q(Name name, byte[] storedLe, boolean ok) {
        return new Check(name, ok, ok ? name + " is right" : name + " is wrong (EINIT would fail); stored starts "
                + Hex.encode(Arrays.copyOf(storedLe, 8)) + "...");
    }

    private static boolean rsaVerify(Sigstruct sigstruct, BigInteger m, BigInteger s) {
        try {
            Signature rsa = Signature.getInstance("SHA256withRSA");
            rsa.initVerify(VerifyingKey.rsaPublicKey(m, KeyRules.EXPONENT));
            rsa.update(sigstruct.signingPayload());
            return rsa.verify(Rsa.toBigEndian(s));
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
