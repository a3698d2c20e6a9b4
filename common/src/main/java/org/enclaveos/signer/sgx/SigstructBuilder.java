package org.enclaveos.signer.sgx;

import static org.enclaveos.signer.sgx.SigstructField.*;

import org.enclaveos.signer.io.LittleEndian;

/**
 * Builds an unsigned SIGSTRUCT from its signed fields. Unset fields are zero; the fixed headers are
 * always right. Values outside a field's range are refused with a message naming the field.
 */
public final class SigstructBuilder {
    private final byte[] bytes = new byte[Sigstruct.SIZE];
    private boolean mrenclaveSet;

    SigstructBuilder() {
        Sigstruct.put(bytes, HEADER, Sigstruct.HEADER_VALUE);
        Sigstruct.put(bytes, HEADER2, Sigstruct.HEADER2_VALUE);
    }

    SigstructBuilder(Sigstruct from) {
        byte[] source = from.unsigned().toBytes();
        System.arraycopy(source, 0, bytes, 0, Sigstruct.SIZE);
        mrenclaveSet = true;
    }

    public SigstructBuilder vendor(int vendor) {
        LittleEndian.putU32(bytes, VENDOR.offset(), vendor);
        return this;
    }

    public SigstructBuilder date(SigstructDate date) {
        LittleEndian.putU32(bytes, DATE.offset(), date.raw());
        return this;
    }

    public SigstructBuilder swDefined(int value) {
        LittleEndian.putU32(bytes, SWDEFINED.offset(), value);
        return this;
    }

    public SigstructBuilder miscSelect(int value) {
        LittleEndian.putU32(bytes, MISCSELECT.offset(), value);
        return this;
    }

    public SigstructBuilder miscMask(int value) {
        LittleEndian.putU32(bytes, MISCMASK.offset(), value);
        return this;
    }

    public SigstructBuilder cetAttributes(int value, int mask) {
        bytes[CET_ATTRIBUTES.offset()] = (byte) checkRange("CET_ATTRIBUTES", value, 0xFF);
        bytes[CET_ATTRIBUTES_MASK.offset()] = (byte) checkRange("CET_ATTRIBUTES_MASK", mask, 0xFF);
        return this;
    }

    public SigstructBuilder isvFamilyId(byte[] id) {
        Sigstruct.put(bytes, ISVFAMILYID, id);
        return this;
    }

    /** ATTRIBUTES; INIT must be clear (EINIT refuses a SIGSTRUCT that sets it). */
    public SigstructBuilder attributes(Attributes attributes) {
        if (attributes.has(Attributes.INIT)) {
            throw new IllegalArgumentException("ATTRIBUTES.INIT (0x1) must be clear in a SIGSTRUCT");
        }
        putAttributes(ATTRIBUTES, attributes);
        return this;
    }

    public SigstructBuilder attributeMask(Attributes mask) {
        putAttributes(ATTRIBUTEMASK, mask);
        return this;
    }

    private void putAttributes(SigstructField field, Attributes a) {
        LittleEndian.putU64(bytes, field.offset(), a.flags());
        LittleEndian.putU64(bytes, field.offset() + 8, a.xfrm());
    }

    public SigstructBuilder mrenclave(Hash256 mrenclave) {
        Sigstruct.put(bytes, ENCLAVEHASH, mrenclave.toBytes());
        mrenclaveSet = true;
        return this;
    }

    public SigstructBuilder isvExtProdId(byte[] id) {
        Sigstruct.put(bytes, ISVEXTPRODID, id);
        return this;
    }

    public SigstructBuilder isvProdId(int value) {
        LittleEndian.putU16(bytes, ISVPRODID.offset(), checkRange("ISVPRODID", value, 0xFFFF));
        return this;
    }

    public SigstructBuilder isvSvn(int value) {
        LittleEndian.putU16(bytes, ISVSVN.offset(), checkRange("ISVSVN", value, 0xFFFF));
        return this;
    }

    private static int checkRange(String field, int value, int max) {
        if (value < 0 || value > max) {
            throw new IllegalArgumentException(field + " must be 0.." + max + ", got " + value);
        }
        return value;
    }

    /** The unsigned SIGSTRUCT (MODULUS, EXPONENT, SIGNATURE, Q1, Q2 zero). MRENCLAVE must be set. */
    public Sigstruct build() {
        if (!mrenclaveSet) {
            throw new IllegalStateException("MRENCLAVE (ENCLAVEHASH) is not set");
        }
        return Sigstruct.wrap(bytes.clone());
    }
}
