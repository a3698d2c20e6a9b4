package org.enclaveos.signer.sgx;

import static org.enclaveos.signer.sgx.SigstructField.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.io.Hex;
import org.enclaveos.signer.io.LittleEndian;

/**
 * An SGX SIGSTRUCT: 1808 bytes, immutable. Every field is read through {@link SigstructField}; the
 * signed payload is the 256 bytes [0,128) || [900,1028). Parsing checks the size and both fixed
 * headers; whether the signature holds is a separate question ({@code SigstructVerifier}).
 */
public final class Sigstruct {
    public static final int SIZE = 1808;
    public static final int PAYLOAD_SIZE = 256;
    public static final int EXPONENT_VALUE = 3;

    static final byte[] HEADER_VALUE = HexFormat.of().parseHex("06000000E10000000000010000000000");
    static final byte[] HEADER2_VALUE = HexFormat.of().parseHex("01010000600000006000000001000000");

    /** The fields that carry the signature; zero in an unsigned SIGSTRUCT. */
    private static final SigstructField[] SIGNATURE_FIELDS = {MODULUS, EXPONENT, SIGNATURE, Q1, Q2};

    private final byte[] bytes;

    private Sigstruct(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Parses 1808 bytes; refuses another size or wrong fixed headers with a one-line message. */
    public static Sigstruct parse(byte[] bytes) {
        if (bytes.length != SIZE) {
            throw SignerException.malformed("a SIGSTRUCT has " + SIZE + " bytes, this has " + bytes.length);
        }
        checkConstant(bytes, HEADER, HEADER_VALUE);
        checkConstant(bytes, HEADER2, HEADER2_VALUE);
        return new Sigstruct(bytes.clone());
    }

    /** Reads and parses a SIGSTRUCT file; errors name the file. */
    public static Sigstruct read(Path file) {
        long size;
        byte[] data;
        org.enclaveos.signer.io.SmallFiles.requireRegular(file, "SIGSTRUCT file");
        try {
            size = Files.size(file);
            if (size != SIZE) {
                throw SignerException.malformed("a SIGSTRUCT has " + SIZE + " bytes, this has " + size).in(file.toString());
            }
            data = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new SignerException(ErrorKind.IO, file + ": cannot read: " + e.getMessage(), e);
        }
        try {
            return parse(data);
        } catch (SignerException e) {
            throw e.in(file.toString());
        }
    }

    private static void checkConstant(byte[] bytes, SigstructField field, byte[] expected) {
        byte[] actual = Arrays.copyOfRange(bytes, field.offset(), field.end());
        if (!Arrays.equals(actual, expected)) {
            throw SignerException.malformed("SIGSTRUCT " + field + " is " + Hex.encode(actual)
                    + ", expected " + Hex.encode(expected) + " (not a SIGSTRUCT, or corrupted)");
        }
    }

    public static SigstructBuilder builder() {
        return new SigstructBuilder();
    }

    /** A builder preset with every signed field of this SIGSTRUCT. */
    public SigstructBuilder toBuilder() {
        return new SigstructBuilder(this);
    }

    /** Package-private: the builder hands over a buffer it no longer touches. */
    static Sigstruct wrap(byte[] bytes) {
        return new Sigstruct(bytes);
    }

    public byte[] toBytes() {
        return bytes.clone();
    }

    /** The raw bytes of one field. */
    public byte[] field(SigstructField field) {
        return Arrays.copyOfRange(bytes, field.offset(), field.end());
    }

    public int vendor() {
        return LittleEndian.u32(bytes, VENDOR.offset());
    }

    public SigstructDate date() {
        return SigstructDate.decode(LittleEndian.u32(bytes, DATE.offset()));
    }

    public int swDefined() {
        return LittleEndian.u32(bytes, SWDEFINED.offset());
    }

    public int miscSelect() {
        return LittleEndian.u32(bytes, MISCSELECT.offset());
    }

    public int miscMask() {
        return LittleEndian.u32(bytes, MISCMASK.offset());
    }

    public int cetAttributes() {
        return bytes[CET_ATTRIBUTES.offset()] & 0xFF;
    }

    public int cetAttributesMask() {
        return bytes[CET_ATTRIBUTES_MASK.offset()] & 0xFF;
    }

    public byte[] isvFamilyId() {
        return field(ISVFAMILYID);
    }

    public Attributes attributes() {
        return attributesAt(ATTRIBUTES);
    }

    public Attributes attributeMask() {
        return attributesAt(ATTRIBUTEMASK);
    }

    private Attributes attributesAt(SigstructField f) {
        return new Attributes(LittleEndian.u64(bytes, f.offset()), LittleEndian.u64(bytes, f.offset() + 8));
    }

    /** ENCLAVEHASH: the MRENCLAVE this SIGSTRUCT vouches for. */
    public Hash256 mrenclave() {
        return Hash256.of(field(ENCLAVEHASH));
    }

    public byte[] isvExtProdId() {
        return field(ISVEXTPRODID);
    }

    public int isvProdId() {
        return LittleEndian.u16(bytes, ISVPRODID.offset());
    }

    public int isvSvn() {
        return LittleEndian.u16(bytes, ISVSVN.offset());
    }

    /** The EXPONENT field as an unsigned value. */
    public long exponent() {
        return Integer.toUnsignedLong(LittleEndian.u32(bytes, EXPONENT.offset()));
    }

    /** MODULUS as stored (little-endian). */
    public byte[] modulusLittleEndian() {
        return field(MODULUS);
    }

    /** SIGNATURE as stored (little-endian). */
    public byte[] signatureLittleEndian() {
        return field(SIGNATURE);
    }

    /**
     * Whether this enclave can be launched in debug mode: DEBUG set in ATTRIBUTES, or not enforced
     * by ATTRIBUTEMASK (then EINIT accepts a SECS with DEBUG set). A production signature has neither.
     */
    public boolean debug() {
        return attributes().has(Attributes.DEBUG) || !attributeMask().has(Attributes.DEBUG);
    }

    /** The 256 bytes RSA signs: [0,128) || [900,1028). */
    public byte[] signingPayload() {
        byte[] payload = new byte[PAYLOAD_SIZE];
        System.arraycopy(bytes, 0, payload, 0, MODULUS.offset());
        System.arraycopy(bytes, MISCSELECT.offset(), payload, MODULUS.offset(), RESERVED4.offset() - MISCSELECT.offset());
        return payload;
    }

    public Hash256 signingPayloadSha256() {
        return Hash256.sha256(signingPayload());
    }

    /** MRSIGNER: SHA-256 of the 384 MODULUS bytes exactly as stored (little-endian). */
    public Hash256 mrsigner() {
        return Hash256.sha256(field(MODULUS));
    }

    /** Whether a signer has filled in MODULUS (an unsigned request has it all zero). */
    public boolean isSigned() {
        for (int i = MODULUS.offset(); i < MODULUS.end(); i++) {
            if (bytes[i] != 0) {
                return true;
            }
        }
        return false;
    }

    /** This SIGSTRUCT with MODULUS, EXPONENT, SIGNATURE, Q1 and Q2 zeroed: what a signing request carries. */
    public Sigstruct unsigned() {
        byte[] copy = bytes.clone();
        for (SigstructField f : SIGNATURE_FIELDS) {
            Arrays.fill(copy, f.offset(), f.end(), (byte) 0);
        }
        return new Sigstruct(copy);
    }

    /**
     * This SIGSTRUCT's signed fields with a signature filled in. Numbers are little-endian, each 384
     * bytes; EXPONENT is set to 3. Nothing is checked here: that is {@code SigstructVerifier}'s job.
     */
    public Sigstruct withSignature(byte[] modulusLe, byte[] signatureLe, byte[] q1Le, byte[] q2Le) {
        byte[] copy = unsigned().bytes;
        put(copy, MODULUS, modulusLe);
        LittleEndian.putU32(copy, EXPONENT.offset(), EXPONENT_VALUE);
        put(copy, SIGNATURE, signatureLe);
        put(copy, Q1, q1Le);
        put(copy, Q2, q2Le);
        return new Sigstruct(copy);
    }

    static void put(byte[] target, SigstructField field, byte[] value) {
        if (value.length != field.size()) {
            throw new IllegalArgumentException(field + " takes " + field.size() + " bytes, got " + value.length);
        }
        System.arraycopy(value, 0, target, field.offset(), value.length);
    }

    /** Whether the two carry the same signed payload (they may differ in signature fields only). */
    public boolean sameSignedFields(Sigstruct other) {
        return Arrays.equals(signingPayload(), other.signingPayload());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Sigstruct other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "Sigstruct[mrenclave=" + mrenclave() + ", isvProdId=" + isvProdId() + ", isvSvn=" + isvSvn()
                + (isSigned() ? ", mrsigner=" + mrsigner() : ", unsigned") + "]";
    }
}
