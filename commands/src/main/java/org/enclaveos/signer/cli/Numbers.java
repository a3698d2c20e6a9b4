package org.enclaveos.signer.cli;

import java.math.BigInteger;

import org.enclaveos.signer.sgx.Attributes;

import picocli.CommandLine;

/** Unsigned numbers as users type them: decimal, or 0x-prefixed hex. Used by every command. */
public final class Numbers {
    private Numbers() {
    }

    /** Parses an unsigned value of at most {@code bits} bits; returns it in a long (two's complement for u64). */
    public static long parse(String text, int bits) {
        String t = text.trim();
        BigInteger v;
        try {
            v = t.startsWith("0x") || t.startsWith("0X") ? new BigInteger(t.substring(2), 16) : new BigInteger(t, 10);
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("'" + text + "' is not a number (decimal or 0x-prefixed hex)");
        }
        if (v.signum() < 0 || v.bitLength() > bits) {
            throw new CommandLine.TypeConversionException("'" + text + "' is outside 0.." + BigInteger.ONE.shiftLeft(bits)
                    .subtract(BigInteger.ONE));
        }
        return v.longValue();
    }

    /** A u16 (ISVPRODID, ISVSVN). */
    public static final class U16 implements CommandLine.ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            return (int) parse(value, 16);
        }
    }

    /** A u32 (VENDOR, SWDEFINED, MISCSELECT, MISCMASK). */
    public static final class U32 implements CommandLine.ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            return (int) parse(value, 32);
        }
    }

    /** FLAGS/XFRM, two u64 values separated by a slash, e.g. 0x4/0x3. */
    public static final class AttributesPair implements CommandLine.ITypeConverter<Attributes> {
        @Override
        public Attributes convert(String value) {
            String[] parts = value.split("/", -1);
            if (parts.length != 2) {
                throw new CommandLine.TypeConversionException("'" + value + "' must be FLAGS/XFRM, e.g. 0x4/0x3");
            }
            return new Attributes(parse(parts[0], 64), parse(parts[1], 64));
        }
    }

    /** ATTRIBUTES for a SIGSTRUCT: FLAGS/XFRM with INIT clear (EINIT refuses a SIGSTRUCT that sets it). */
    public static final class SigstructAttributes implements CommandLine.ITypeConverter<Attributes> {
        @Override
        public Attributes convert(String value) {
            Attributes a = new AttributesPair().convert(value);
            if (a.has(Attributes.INIT)) {
                throw new CommandLine.TypeConversionException("'" + value + "' sets INIT (0x1), which must be clear in a "
                        + "SIGSTRUCT (EINIT sets it)");
            }
            return a;
        }
    }
}
