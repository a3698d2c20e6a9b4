package org.enclaveos.signer.sgx;

/** SECINFO.FLAGS as EADD measures them: page type in bits 8-15, R, W, X in bits 0-2. */
public final class Secinfo {
    public static final long R = 0x1;
    public static final long W = 0x2;
    public static final long X = 0x4;
    /** Page type TCS (1 << 8). */
    public static final long TCS = 0x100;
    /** Page type REG (2 << 8). */
    public static final long REG = 0x200;

    private static final int PF_X = 1;
    private static final int PF_W = 2;
    private static final int PF_R = 4;

    private Secinfo() {
    }

    /** R, W, X from an ELF program header's p_flags, which keeps them in the opposite bit order. */
    public static long permissionsOfElf(int pflags) {
        return ((pflags & PF_R) != 0 ? R : 0) | ((pflags & PF_W) != 0 ? W : 0) | ((pflags & PF_X) != 0 ? X : 0);
    }
}
