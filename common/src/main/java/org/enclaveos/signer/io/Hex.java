package org.enclaveos.signer.io;

import java.util.HexFormat;

/** Lower-case hex, the only form the tool prints digests in. */
public final class Hex {
    private static final HexFormat LOWER = HexFormat.of();

    private Hex() {
    }

    public static String encode(byte[] bytes) {
        return LOWER.formatHex(bytes);
    }

    /** Parses hex (either case, optional 0x prefix) of exactly {@code length} bytes. */
    public static byte[] decode(String what, String hex, int length) {
        String s = hex.startsWith("0x") || hex.startsWith("0X") ? hex.substring(2) : hex;
        if (s.length() != 2 * length) {
            throw new IllegalArgumentException(what + ": expected " + 2 * length
                    + " hex digits, got " + s.length());
        }
        try {
            return HexFormat.of().parseHex(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": not hexadecimal: " + hex);
        }
    }

    /** {@code 0x}-prefixed, zero-padded to the field's width. */
    public static String u64(long value) {
        return String.format("0x%016x", value);
    }

    public static String u32(int value) {
        return String.format("0x%08x", value);
    }
}
