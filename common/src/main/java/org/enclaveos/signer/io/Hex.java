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

    /**
     * {@code 0x}-prefixed, zero-padded to the field's width. Not {@code String.format}: a ceremony calls
     * this thousands of times, and compiling java.util.Formatter cost it a CPU-second (issue 17).
     */
    public static String u64(long value) {
        return "0x" + HexFormat.of().toHexDigits(value);
    }

    /** A one-byte field (CET attributes): {@code 0x} and two digits. */
    public static String u8(int value) {
        return "0x" + HexFormat.of().toHexDigits((byte) value);
    }

    public static String u32(int value) {
        return "0x" + HexFormat.of().toHexDigits(value);
    }
}
