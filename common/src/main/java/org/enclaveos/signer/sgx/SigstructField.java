package org.enclaveos.signer.sgx;

/**
 * The SIGSTRUCT field table (Intel SDM Vol. 3D, "Enclave Signature Structure"), every reserved gap
 * written out. This is the only offset table for SIGSTRUCT in the project: the parser, the builder,
 * {@code inspect} and the request format all read it. Declaration order is offset order; a unit test
 * checks the fields are contiguous and add up to {@link Sigstruct#SIZE}.
 */
public enum SigstructField {
    HEADER(0, 16, true, "fixed header 06000000E10000000000010000000000"),
    VENDOR(16, 4, true, "0x8086 for Intel, 0 for everybody else"),
    DATE(20, 4, true, "build date, BCD 0xYYYYMMDD"),
    HEADER2(24, 16, true, "fixed header 01010000600000006000000001000000"),
    SWDEFINED(40, 4, true, "software-defined value"),
    RESERVED1(44, 84, true, "reserved, zero"),
    MODULUS(128, 384, false, "RSA-3072 modulus, little-endian"),
    EXPONENT(512, 4, false, "RSA public exponent, must be 3"),
    SIGNATURE(516, 384, false, "RSASSA-PKCS1-v1_5 SHA-256 signature, little-endian"),
    MISCSELECT(900, 4, true, "MISCSELECT the enclave requires"),
    MISCMASK(904, 4, true, "which MISCSELECT bits EINIT compares"),
    CET_ATTRIBUTES(908, 1, true, "CET attributes (older SDMs: reserved)"),
    CET_ATTRIBUTES_MASK(909, 1, true, "CET attributes mask (older SDMs: reserved)"),
    RESERVED2(910, 2, true, "reserved, zero"),
    ISVFAMILYID(912, 16, true, "ISV family id (KSS)"),
    ATTRIBUTES(928, 16, true, "ATTRIBUTES: u64 FLAGS, u64 XFRM"),
    ATTRIBUTEMASK(944, 16, true, "which ATTRIBUTES bits EINIT compares"),
    ENCLAVEHASH(960, 32, true, "MRENCLAVE"),
    RESERVED3(992, 16, true, "reserved, zero"),
    ISVEXTPRODID(1008, 16, true, "ISV extended product id (KSS)"),
    ISVPRODID(1024, 2, true, "ISV product id"),
    ISVSVN(1026, 2, true, "ISV security version number"),
    RESERVED4(1028, 12, false, "reserved, zero"),
    Q1(1040, 384, false, "floor(S^2 / M), little-endian"),
    Q2(1424, 384, false, "floor((S^3 - Q1*S*M) / M), little-endian");

    private final int offset;
    private final int size;
    private final boolean signed;
    private final String description;

    SigstructField(int offset, int size, boolean signed, String description) {
        this.offset = offset;
        this.size = size;
        this.signed = signed;
        this.description = description;
    }

    public int offset() {
        return offset;
    }

    public int size() {
        return size;
    }

    public int end() {
        return offset + size;
    }

    /** Whether the field's bytes are part of the 256-byte payload RSA signs. */
    public boolean signed() {
        return signed;
    }

    public String description() {
        return description;
    }

    /** Whether the field must be all zero bytes. */
    public boolean reserved() {
        return name().startsWith("RESERVED");
    }

    /** The field a byte offset falls into. */
    public static SigstructField at(int offset) {
        for (SigstructField f : values()) {
            if (offset >= f.offset && offset < f.end()) {
                return f;
            }
        }
        throw new IllegalArgumentException("offset outside SIGSTRUCT: " + offset);
    }
}
