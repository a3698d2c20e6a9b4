package org.enclaveos.signer.sgx;

import java.util.ArrayList;
import java.util.List;

import org.enclaveos.signer.io.Hex;

/** SGX ATTRIBUTES (or an ATTRIBUTEMASK): u64 FLAGS then u64 XFRM, 16 bytes little-endian. */
public record Attributes(long flags, long xfrm) {
    public static final long INIT = 0x1;
    public static final long DEBUG = 0x2;
    public static final long MODE64BIT = 0x4;
    public static final long PROVISIONKEY = 0x10;
    public static final long EINITTOKEN_KEY = 0x20;
    public static final long CET = 0x40;
    public static final long KSS = 0x80;
    public static final long AEXNOTIFY = 0x400;

    private static final long[] FLAG_BITS = {INIT, DEBUG, MODE64BIT, PROVISIONKEY, EINITTOKEN_KEY, CET, KSS, AEXNOTIFY};
    private static final String[] FLAG_NAMES = {"INIT", "DEBUG", "MODE64BIT", "PROVISIONKEY", "EINITTOKEN_KEY",
        "CET", "KSS", "AEXNOTIFY"};
    private static final long[] XFRM_BITS = {0x1, 0x2, 0x4, 0x8 | 0x10, 0xE0, 0x200, 0x60000};
    private static final String[] XFRM_NAMES = {"X87", "SSE", "AVX", "MPX", "AVX512", "PKRU", "AMX"};

    public boolean has(long flag) {
        return (flags & flag) != 0;
    }

    /** Names of the FLAGS bits set; any other bits together as {@code other 0x...}. */
    public List<String> flagNames() {
        return names(flags, FLAG_BITS, FLAG_NAMES);
    }

    /** Names of the XFRM feature groups set; any other bits together as {@code other 0x...}. */
    public List<String> xfrmNames() {
        return names(xfrm, XFRM_BITS, XFRM_NAMES);
    }

    private static List<String> names(long value, long[] bits, String[] names) {
        List<String> out = new ArrayList<>();
        long known = 0;
        for (int i = 0; i < bits.length; i++) {
            known |= bits[i];
            if ((value & bits[i]) != 0) {
                out.add(names[i]);
            }
        }
        if ((value & ~known) != 0) {
            out.add("other " + Hex.u64(value & ~known));
        }
        return out;
    }

    @Override
    public String toString() {
        return Hex.u64(flags) + "/" + Hex.u64(xfrm);
    }
}
