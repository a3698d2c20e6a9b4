package org.enclaveos.signer.testing;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A small but complete Intel SGX SDK-format enclave, written by the tests from the format description:
 * two PT_LOAD segments (a partial last page; a data segment starting mid-page with .bss), non-allocated
 * .comment bytes right after the data in the same file page, a patch table (ELF header fields and a
 * data template), and two metadata blocks of different versions describing the same layout: v2.4
 * with a thread group and a dynamic entry, v1.4 with the group written out and no dynamic tail.
 * {@link #expected()} lays the same enclave out by hand, independently of the code under test.
 */
public final class SdkEnclaveImage {
    public static final long ENCLAVE_SIZE = 0x20000;
    public static final int TEXT_FILESZ = 0x1800;
    public static final int DATA_OFFSET = 0x2100;
    public static final long DATA_VADDR = 0x3100;
    public static final int DATA_FILESZ = 0x900;
    public static final int DATA_MEMSZ = 0x2400;
    public static final int COMMENT_OFFSET = 0x2A00;
    public static final int NOTE_OFFSET = 0x2C00;
    public static final int BLOCK_SIZE = 0x900 + 1808;
    public static final long GROUP_STEP = 0x6000;
    static final byte[] DATA_PATCH = "PATCHED-GLOBALS!".getBytes(StandardCharsets.US_ASCII);
    static final int DATA_PATCH_AT = DATA_OFFSET + 0x10;

    private SdkEnclaveImage() {
    }

    /** The file, with {@code sigstruct} (1808 bytes) in both metadata blocks. */
    public static byte[] build(byte[] sigstruct) {
        return build(sigstruct, b -> { });
    }

    /** Lets a test corrupt a block (index 0 is v2.4, 1 is v1.4) before the file is assembled. */
    public static byte[] build(byte[] sigstruct, java.util.function.Consumer<ByteBuffer[]> tamper) {
        ByteBuffer v24 = block(2, 4, sigstruct, true);
        ByteBuffer v14 = block(1, 4, sigstruct, false);
        tamper.accept(new ByteBuffer[] {v24, v14});
        byte[] desc = new byte[0x5000];
        System.arraycopy(v24.array(), 0, desc, 0, BLOCK_SIZE);
        System.arraycopy(v14.array(), 0, desc, BLOCK_SIZE, BLOCK_SIZE);

        byte[] shstrtab = "\0.shstrtab\0.note.sgxmeta\0.comment\0.text\0".getBytes(StandardCharsets.US_ASCII);
        int noteSize = 12 + 13 + desc.length;
        int strOff = NOTE_OFFSET + noteSize;
        int shoff = (strOff + shstrtab.length + 7) & ~7;
        int shnum = 5;
        ByteBuffer f = ByteBuffer.allocate(shoff + shnum * 64).order(ByteOrder.LITTLE_ENDIAN);
        // Code and data bytes: a pattern that differs per byte, so any misplaced byte changes the hash.
        for (int i = 0x100; i < TEXT_FILESZ; i++) {
            f.put(i, (byte) (i * 7 + 3));
        }
        for (int i = 0; i < DATA_FILESZ; i++) {
            f.put(DATA_OFFSET + i, (byte) (i * 13 + 1));
        }
        f.put(COMMENT_OFFSET, "GCC: (test) 1.0\0".getBytes(StandardCharsets.US_ASCII));
        f.put(0, new byte[] {0x7F, 'E', 'L', 'F', 2, 1, 1, 0});
        f.putShort(16, (short) 3).putShort(18, (short) 62).putInt(20, 1);
        f.putLong(0x20, 0x40).putLong(0x28, shoff).putShort(0x34, (short) 64).putShort(0x36, (short) 56)
                .putShort(0x38, (short) 2).putShort(0x3A, (short) 64).putShort(0x3C, (short) shnum).putShort(0x3E, (short) 1);
        phdr(f, 0x40, 5, 0, 0, TEXT_FILESZ, TEXT_FILESZ);            // R+X
        phdr(f, 0x78, 6, DATA_OFFSET, DATA_VADDR, DATA_FILESZ, DATA_MEMSZ); // R+W, .bss after
        ByteBuffer note = ByteBuffer.allocate(noteSize).order(ByteOrder.LITTLE_ENDIAN);
        note.putInt(13).putInt(desc.length).putInt(1).put("sgx_metadata\0".getBytes(StandardCharsets.US_ASCII)).put(desc);
        f.put(NOTE_OFFSET, note.array());
        f.put(strOff, shstrtab);
        section(f, shoff + 64, 1, 3, 0, 0, strOff, shstrtab.length);
        section(f, shoff + 128, 11, 7, 0, 0, NOTE_OFFSET, noteSize);
        section(f, shoff + 192, 25, 1, 0x30, 0, COMMENT_OFFSET, 16);
        section(f, shoff + 256, 34, 1, 0x6, 0x100, 0x100, TEXT_FILESZ - 0x100);
        return f.array();
    }

    /** File offset of the SIGSTRUCT in block {@code i}. */
    public static long sigstructOffset(int i) {
        return NOTE_OFFSET + 25 + (long) i * BLOCK_SIZE + 64;
    }

    private static ByteBuffer block(int major, int minor, byte[] sigstruct, boolean withGroup) {
        ByteBuffer b = ByteBuffer.allocate(BLOCK_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, 0x86A80294635D0E4CL).putLong(8, ((long) major << 32) | minor).putInt(16, BLOCK_SIZE);
        b.putInt(20, 1).putInt(24, 1).putLong(40, ENCLAVE_SIZE);
        b.put(64, sigstruct);
        int data = 1888;
        // The TCS template: ossa 0x1000, ofs_base and ogs_base 0x5000 (relative to the TCS page), oentry.
        int tcs = data;
        b.putLong(tcs + 16, 0x1000).putInt(tcs + 28, 2).putLong(tcs + 32, 0x1100).putLong(tcs + 48, 0x5000)
                .putLong(tcs + 56, 0x5000).putInt(tcs + 64, 0xFFF).putInt(tcs + 68, 0xFFF);
        int zeros = tcs + 72;            // 16 zero bytes for the ELF header patches
        int patchData = zeros + 16;      // the data-segment patch
        b.put(patchData, DATA_PATCH);
        int patches = patchData + 16;
        patch(b, patches, 0x28, zeros, 8);                 // e_shoff
        patch(b, patches + 32, 0x3C, zeros, 4);            // e_shnum, e_shstrndx
        patch(b, patches + 64, DATA_PATCH_AT, patchData, DATA_PATCH.length);
        int layout = patches + 96;
        List<long[]> entries = new ArrayList<>();
        // {id, attributes, pages, rva, contentSize, contentOffset, siFlags}
        entries.add(new long[] {1, 0x1, 4, 0x6000, 0, 0, 0x203});             // HEAP_MIN: EADD only
        entries.add(new long[] {4, 0x3, 1, 0xA000, 72, tcs, 0x100});          // TCS
        entries.add(new long[] {6, 0x3, 2, 0xB000, 0, 0, 0x203});             // SSA
        entries.add(new long[] {10, 0x0, 1, 0xD000, 0, 0, 0});                // GUARD: nothing
        entries.add(new long[] {8, 0x3, 2, 0xE000, 0xCCCCCCCCL, 0, 0x203});   // STACK_MIN, 0xCC fill
        if (withGroup) {
            entries.add(null);                                                 // THREAD_GROUP: 4 entries, twice
            entries.add(new long[] {14, 0x8, 1, 0x1C000, 0, 0, 0x100});        // TCS_DYN: POST_ADD only
        } else {
            for (int copy = 1; copy <= 2; copy++) {
                for (int k = 1; k <= 4; k++) {
                    long[] e = entries.get(k).clone();
                    e[3] += copy * GROUP_STEP;
                    entries.add(e);
                }
            }
        }
        int at = layout;
        for (long[] e : entries) {
            if (e == null) {
                b.putShort(at, (short) 0x1009).putShort(at + 2, (short) 4).putInt(at + 4, 2).putLong(at + 8, GROUP_STEP);
            } else {
                b.putShort(at, (short) e[0]).putShort(at + 2, (short) e[1]).putInt(at + 4, (int) e[2]).putLong(at + 8, e[3])
                        .putInt(at + 16, (int) e[4]).putInt(at + 20, (int) e[5]).putLong(at + 24, e[6]);
            }
            at += 32;
        }
        b.putInt(1872, patches).putInt(1876, 96);                      // dirs[0] PATCH
        b.putInt(1880, layout).putInt(1884, entries.size() * 32);      // dirs[1] LAYOUT
        return b;
    }

    /** Offset of the layout table inside a block (for tests that corrupt it). */
    public static int layoutOffset() {
        return 1888 + 72 + 16 + 16 + 96;
    }

    private static void patch(ByteBuffer b, int at, long dst, int src, int size) {
        b.putLong(at, dst).putInt(at + 8, src).putInt(at + 12, size);
    }

    private static void phdr(ByteBuffer f, int at, int flags, long offset, long vaddr, long filesz, long memsz) {
        f.putInt(at, 1).putInt(at + 4, flags).putLong(at + 8, offset).putLong(at + 16, vaddr).putLong(at + 24, vaddr)
                .putLong(at + 32, filesz).putLong(at + 40, memsz).putLong(at + 48, 0x1000);
    }

    private static void section(ByteBuffer f, int at, int name, int type, long flags, long addr, long offset, long size) {
        f.putInt(at, name).putInt(at + 4, type).putLong(at + 8, flags).putLong(at + 16, addr).putLong(at + 24, offset)
                .putLong(at + 32, size).putLong(at + 48, 1);
    }

    /** The enclave laid out by hand from the description above: what the loader must build. */
    public static SgxsBuilder expected(byte[] file) {
        byte[] patched = file.clone();
        Arrays.fill(patched, 0x28, 0x30, (byte) 0);
        Arrays.fill(patched, 0x3C, 0x40, (byte) 0);
        System.arraycopy(DATA_PATCH, 0, patched, DATA_PATCH_AT, DATA_PATCH.length);
        SgxsBuilder b = new SgxsBuilder().ecreate(1, ENCLAVE_SIZE);
        b.page(0x0, 0x205, Arrays.copyOfRange(patched, 0, 0x1000));
        byte[] text2 = new byte[4096];
        System.arraycopy(patched, 0x1000, text2, 0, TEXT_FILESZ - 0x1000);
        b.page(0x1000, 0x205, text2);
        byte[] data = new byte[4096];
        System.arraycopy(patched, DATA_OFFSET, data, 0x100, DATA_FILESZ); // .comment bytes must not appear
        b.page(0x3000, 0x203, data);
        b.page(0x4000, 0x203, new byte[4096]).page(0x5000, 0x203, new byte[4096]);
        for (long p = 0x6000; p < 0xA000; p += 0x1000) {
            b.eadd(p, 0x203);
        }
        for (long copy = 0; copy <= 2; copy++) {
            long base = copy * GROUP_STEP;
            byte[] tcs = new byte[4096];
            ByteBuffer t = ByteBuffer.wrap(tcs).order(ByteOrder.LITTLE_ENDIAN);
            long rva = 0xA000 + base;
            t.putLong(16, 0x1000 + rva).putInt(28, 2).putLong(32, 0x1100).putLong(48, 0x5000 + rva)
                    .putLong(56, 0x5000 + rva).putInt(64, 0xFFF).putInt(68, 0xFFF);
            b.page(rva, 0x100, tcs);
            b.page(0xB000 + base, 0x203, new byte[4096]).page(0xC000 + base, 0x203, new byte[4096]);
            byte[] stack = new byte[4096];
            Arrays.fill(stack, (byte) 0xCC);
            b.page(0xE000 + base, 0x203, stack).page(0xF000 + base, 0x203, stack);
        }
        return b;
    }
}
