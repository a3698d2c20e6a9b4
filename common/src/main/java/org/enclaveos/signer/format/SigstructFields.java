package org.enclaveos.signer.format;

import static org.enclaveos.signer.io.Hex.u32;
import static org.enclaveos.signer.io.Hex.u64;

import java.util.Arrays;

import org.enclaveos.signer.io.Hex;
import org.enclaveos.signer.sgx.Attributes;
import org.enclaveos.signer.sgx.Sigstruct;
import org.enclaveos.signer.sgx.SigstructDate;
import org.enclaveos.signer.sgx.SigstructField;

/** Each SIGSTRUCT field decoded for a person, driven by the one field table. */
public final class SigstructFields {
    private SigstructFields() {
    }

    /** The decoded value of one field; long numbers in full hex unless {@code abbreviate}. */
    public static String decode(Sigstruct s, SigstructField field, boolean abbreviate) {
        return switch (field) {
            case VENDOR -> u32(s.vendor()) + (s.vendor() == 0x8086 ? " (Intel)" : "");
            case DATE -> date(s.date());
            case SWDEFINED -> u32(s.swDefined());
            case MISCSELECT -> u32(s.miscSelect());
            case MISCMASK -> u32(s.miscMask());
            case CET_ATTRIBUTES -> Hex.u8(s.cetAttributes());
            case CET_ATTRIBUTES_MASK -> Hex.u8(s.cetAttributesMask());
            case ATTRIBUTES -> attributes(s.attributes());
            case ATTRIBUTEMASK -> attributes(s.attributeMask());
            case EXPONENT -> Long.toString(s.exponent());
            case ISVPRODID -> Integer.toString(s.isvProdId());
            case ISVSVN -> Integer.toString(s.isvSvn());
            default -> {
                byte[] raw = s.field(field);
                yield abbreviate && raw.length > 32 ? Hex.encode(Arrays.copyOf(raw, 16)) + "..." : Hex.encode(raw);
            }
        };
    }

    public static String date(SigstructDate d) {
        return switch (d.encoding()) {
            case NONE -> "none (0)";
            case BCD -> d.iso() + " (BCD " + u32(d.raw()) + ")";
            case BINARY_YEAR -> d.iso() + " (binary-year form " + u32(d.raw()) + ")";
            case UNKNOWN -> "undecodable " + u32(d.raw());
        };
    }

    public static String attributes(Attributes a) {
        return "flags " + u64(a.flags()) + " " + a.flagNames() + ", xfrm " + u64(a.xfrm()) + " " + a.xfrmNames();
    }
}
