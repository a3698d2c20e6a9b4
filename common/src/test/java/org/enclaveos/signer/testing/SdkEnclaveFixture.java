package org.enclaveos.signer.testing;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds small ELF64 files shaped like Intel SGX SDK signed enclaves: an ELF header, a
 * {@code .note.sgxmeta} note whose metadata blocks each carry a SIGSTRUCT at block offset 64, and the
 * section headers, written from the format description (not from the reader under test).
 */
public final class SdkEnclaveFixture {
    public static final long MAGIC = 0x86A80294635D0E4CL;

    private final List<byte[]> blocks = new ArrayList<>();
    private int descSize = 0x5000;
    private int prefixPadding = 0x40;

    /** Adds a metadata block of {@code size} bytes with the given version and SIGSTRUCT. */
    public SdkEnclaveFixture block(int major, int minor, byte[] sigstruct, int size) {
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, MAGIC).putLong(8, ((long) major << 32) | minor).putInt(16, size);
        b.put(64, sigstruct);
        blocks.add(b.array());
        return this;
    }

    public SdkEnclaveFixture descSize(int size) {
        this.descSize = size;
        return this;
    }

    /** Unaligned placement of the note, as in real files (the metadata itself is never aligned). */
    public SdkEnclaveFixture prefixPadding(int bytes) {
        this.prefixPadding = bytes;
        return this;
    }

    /** The offset in the file where block 0 starts. */
    public long metadataOffset() {
        return 64 + prefixPadding + 12 + 13;
    }

    public byte[] build() {
        byte[] shstrtab = "\0.shstrtab\0.note.sgxmeta\0".getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream desc = new ByteArrayOutputStream();
        blocks.forEach(desc::writeBytes);
        byte[] d = java.util.Arrays.copyOf(desc.toByteArray(), descSize);

        ByteBuffer note = ByteBuffer.allocate(12 + 13 + descSize).order(ByteOrder.LITTLE_ENDIAN);
        note.putInt(13).putInt(descSize).putInt(1).put("sgx_metadata\0".getBytes(StandardCharsets.US_ASCII)).put(d);

        long noteOff = 64 + prefixPadding;
        long strOff = noteOff + note.capacity();
        long shoff = (strOff + shstrtab.length + 7) & ~7L;
        int shnum = 3;
        ByteBuffer f = ByteBuffer.allocate((int) shoff + shnum * 64).order(ByteOrder.LITTLE_ENDIAN);
        f.put(new byte[] {0x7F, 'E', 'L', 'F', 2, 1, 1, 0});
        f.putShort(16, (short) 3).putShort(18, (short) 62).putInt(20, 1);
        f.putLong(0x28, shoff).putShort(0x34, (short) 64).putShort(0x3A, (short) 64)
                .putShort(0x3C, (short) shnum).putShort(0x3E, (short) 1);
        f.put((int) noteOff, note.array());
        f.put((int) strOff, shstrtab);
        // [0] null, [1] .shstrtab, [2] .note.sgxmeta (SHT_NOTE, not SHF_ALLOC)
        section(f, shoff + 64, 1, 3, 0, strOff, shstrtab.length, 1);
        section(f, shoff + 128, 11, 7, 0, noteOff, note.capacity(), 4);
        return f.array();
    }

    private static void section(ByteBuffer f, long at, int name, int type, long flags, long offset, long size, long align) {
        int b = (int) at;
        f.putInt(b, name).putInt(b + 4, type).putLong(b + 8, flags).putLong(b + 24, offset)
                .putLong(b + 32, size).putLong(b + 48, align);
    }
}
