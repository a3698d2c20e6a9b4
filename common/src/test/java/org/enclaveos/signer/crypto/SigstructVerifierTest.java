package org.enclaveos.signer.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.enclaveos.signer.io.LittleEndian;
import org.enclaveos.signer.sgx.Attributes;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;
import org.enclaveos.signer.sgx.SigstructField;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Each check of the verifier fails alone on the defect it is there for, and passes otherwise. */
class SigstructVerifierTest {
    static Sigstruct signed;

    @BeforeAll
    static void sign() {
        Sigstruct unsigned = Sigstruct.builder().isvProdId(1).isvSvn(2).attributes(new Attributes(4, 7))
                .attributeMask(new Attributes(-1L, ~0xE0L)).mrenclave(Hash256.sha256(new byte[] {5})).build();
        signed = SigstructSigner.sign(unsigned, org.enclaveos.signer.testing.TestKeys.key("k"));
    }

    static Map<Verification.Name, Boolean> results(Sigstruct s) {
        return SigstructVerifier.verify(s).checks().stream()
                .collect(Collectors.toMap(Verification.Check::name, Verification.Check::passed));
    }

    static Sigstruct with(SigstructField f, byte[] value) {
        byte[] b = signed.toBytes();
        System.arraycopy(value, 0, b, f.offset(), value.length);
        return Sigstruct.parse(b);
    }

    /** Every check passes but these. */
    static void onlyFails(Sigstruct s, Verification.Name... failing) {
        Map<Verification.Name, Boolean> r = results(s);
        assertEquals(Verification.Name.values().length, r.size(), r.toString());
        for (Verification.Name n : Verification.Name.values()) {
            assertEquals(!Arrays.asList(failing).contains(n), r.get(n), n + " in " + r);
        }
        assertFalse(SigstructVerifier.verify(s).valid());
    }

    @Test
    void aGoodSignaturePassesEveryCheck() {
        assertTrue(SigstructVerifier.verify(signed).valid());
        assertTrue(results(signed).values().stream().allMatch(b -> b));
    }

    @Test
    void anExponentOtherThanThree() {
        byte[] two = new byte[4];
        LittleEndian.putU32(two, 0, 2);
        Sigstruct s = with(SigstructField.EXPONENT, two);
        onlyFails(s, Verification.Name.EXPONENT); // EXPONENT is not signed: RSA itself still verifies with e=3
        assertEquals("exponent: EXPONENT is 2, expected 3", SigstructVerifier.verify(s).firstFailure().orElseThrow().describe());
    }

    @Test
    void aShortModulus() {
        byte[] m = signed.modulusLittleEndian();
        m[383] = 0; // the top byte: 3064 bits or fewer
        m[382] = 0;
        Sigstruct s = with(SigstructField.MODULUS, m);
        Map<Verification.Name, Boolean> r = results(s);
        assertFalse(r.get(Verification.Name.MODULUS_SIZE));
        assertFalse(r.get(Verification.Name.SIGNATURE));
        assertTrue(r.get(Verification.Name.EXPONENT));
    }

    @Test
    void aSignatureNotBelowTheModulus() {
        Sigstruct s = with(SigstructField.SIGNATURE, signed.modulusLittleEndian());
        assertFalse(results(s).get(Verification.Name.SIGNATURE));
        byte[] ones = new byte[384];
        Arrays.fill(ones, (byte) 0xff);
        Sigstruct big = with(SigstructField.SIGNATURE, ones);
        Map<Verification.Name, Boolean> r = results(big);
        assertFalse(r.get(Verification.Name.SIGNATURE));
        assertFalse(r.get(Verification.Name.Q1), "Q1 of a signature above the modulus has more than 3072 bits");
    }

    @Test
    void aWrongQ1OrQ2FailsThatCheckAlone() {
        for (SigstructField f : List.of(SigstructField.Q1, SigstructField.Q2)) {
            byte[] q = signed.field(f);
            q[0] ^= 1;
            onlyFails(with(f, q), Verification.Name.valueOf(f.name()));
        }
    }

    @Test
    void reservedBytesAndInitAreChecked() {
        onlyFails(with(SigstructField.RESERVED4, new byte[] {1}), Verification.Name.RESERVED_ZERO);
        byte[] attrs = signed.field(SigstructField.ATTRIBUTES);
        attrs[0] |= 1;
        Sigstruct init = with(SigstructField.ATTRIBUTES, attrs);
        Map<Verification.Name, Boolean> r = results(init);
        assertFalse(r.get(Verification.Name.INIT_CLEAR));
        assertFalse(r.get(Verification.Name.SIGNATURE), "ATTRIBUTES are signed");
    }

    @Test
    void anUnsignedSigstructFailsTheSignatureChecksWithReasons() {
        Verification v = SigstructVerifier.verify(signed.unsigned());
        assertFalse(v.passed(Verification.Name.Q1));
        assertFalse(v.passed(Verification.Name.Q2));
        assertFalse(v.passed(Verification.Name.SIGNATURE));
        assertTrue(v.passed(Verification.Name.RESERVED_ZERO));
        assertTrue(v.checks().stream().anyMatch(c -> c.detail().equals("no MODULUS, cannot check Q1")), v.toString());
    }
}
