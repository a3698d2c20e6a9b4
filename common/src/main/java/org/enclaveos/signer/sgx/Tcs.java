package org.enclaveos.signer.sgx;

import org.enclaveos.signer.io.LittleEndian;

/**
 * The Thread Control Structure's fields a loader sets (Intel SDM Vol. 3D, 37.8): a page whose
 * other bytes are zero.
 */
public final class Tcs {
    static final int FLAGS = 8;
    static final int OSSA = 16;
    static final int CSSA = 24;
    static final int NSSA = 28;
    static final int OENTRY = 32;
    static final int OFSBASE = 48;
    static final int OGSBASE = 56;
    static final int FSLIMIT = 64;
    static final int GSLIMIT = 68;

    private Tcs() {
    }

    /** A TCS page: offsets are relative to the enclave base; CSSA 0, FLAGS 0. */
    public static byte[] page(long ossa, int nssa, long oentry, long ofsbase, long ogsbase, int fslimit, int gslimit) {
        byte[] page = new byte[4096];
        LittleEndian.putU64(page, OSSA, ossa);
        LittleEndian.putU32(page, NSSA, nssa);
        LittleEndian.putU64(page, OENTRY, oentry);
        LittleEndian.putU64(page, OFSBASE, ofsbase);
        LittleEndian.putU64(page, OGSBASE, ogsbase);
        LittleEndian.putU32(page, FSLIMIT, fslimit);
        LittleEndian.putU32(page, GSLIMIT, gslimit);
        return page;
    }
}
