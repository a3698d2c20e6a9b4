package org.enclaveos.signer.sdk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;

/**
 * Just enough of ELF64 (little-endian, x86-64) to find sections by name. Reads through positional
 * reads on a channel, so a large enclave is never loaded whole; every offset and count is checked
 * against the file size before it is used.
 */
final class ElfFile {
    static final byte[] MAGIC = {0x7F, 'E', 'L', 'F'};
    private static final int EHDR_SIZE = 64;
    private static final int SHDR_SIZE = 64;
    private static final int EM_X86_64 = 62;
    private static final int MAX_SECTIONS = 0xFF00;

    record Section(String name, int type, long flags, long addr, long offset, long size, long addralign) {
    }

    private final FileChannel channel;
    private final long fileSize;
    private final List<Section> sections;

    private ElfFile(FileChannel channel, long fileSize, List<Section> sections) {
        this.channel = channel;
        this.fileSize = fileSize;
        this.sections = sections;
    }

    static ElfFile read(FileChannel channel) throws IOException {
        long fileSize = channel.size();
        if (fileSize < EHDR_SIZE) {
            throw SignerException.malformed("not an ELF file: " + fileSize + " bytes is shorter than an ELF header");
        }
        ByteBuffer eh = readAt(channel, 0, EHDR_SIZE);
        for (int i = 0; i < MAGIC.length; i++) {
            if (eh.get(i) != MAGIC[i]) {
                throw SignerException.malformed("not an ELF file (no \\x7fELF magic)");
            }
        }
        if (eh.get(4) != 2) {
            throw new SignerException(ErrorKind.UNSUPPORTED, "32-bit ELF enclaves are not supported (EI_CLASS "
                    + eh.get(4) + ", expected 2 for ELF64)");
        }
        if (eh.get(5) != 1) {
            throw SignerException.malformed("big-endian ELF: an SGX enclave is little-endian x86-64");
        }
        int machine = Short.toUnsignedInt(eh.getShort(18));
        if (machine != EM_X86_64) {
            throw new SignerException(ErrorKind.UNSUPPORTED, "ELF e_machine is " + machine + ", expected 62 (x86-64)");
        }
        long shoff = eh.getLong(0x28);
        int shentsize = Short.toUnsignedInt(eh.getShort(0x3A));
        int shnum = Short.toUnsignedInt(eh.getShort(0x3C));
        int shstrndx = Short.toUnsignedInt(eh.getShort(0x3E));
        if (shnum == 0 || shoff == 0) {
            throw SignerException.malformed("ELF has no section headers (stripped); cannot find .note.sgxmeta");
        }
        if (shentsize != SHDR_SIZE || shnum > MAX_SECTIONS || shstrndx >= shnum) {
            throw SignerException.malformed("ELF section header table is malformed (entsize " + shentsize
                    + ", count " + shnum + ", string table index " + shstrndx + ")");
        }
        checkRange(fileSize, shoff, (long) shnum * SHDR_SIZE, "section header table");
        ByteBuffer sh = readAt(channel, shoff, shnum * SHDR_SIZE);
        List<long[]> raw = new ArrayList<>();
        for (int i = 0; i < shnum; i++) {
            int b = i * SHDR_SIZE;
            raw.add(new long[] {Integer.toUnsignedLong(sh.getInt(b)), Integer.toUnsignedLong(sh.getInt(b + 4)),
                sh.getLong(b + 8), sh.getLong(b + 16), sh.getLong(b + 24), sh.getLong(b + 32), sh.getLong(b + 48)});
        }
        long[] strtab = raw.get(shstrndx);
        checkRange(fileSize, strtab[4], strtab[5], "section name table");
        if (strtab[5] > 1 << 20) {
            throw SignerException.malformed("ELF section name table is larger than 1 MiB");
        }
        ByteBuffer names = readAt(channel, strtab[4], (int) strtab[5]);
        List<Section> sections = new ArrayList<>();
        for (long[] s : raw) {
            sections.add(new Section(cString(names, s[0]), (int) s[1], s[2], s[3], s[4], s[5], s[6]));
        }
        return new ElfFile(channel, fileSize, List.copyOf(sections));
    }

    Optional<Section> section(String name) {
        return sections.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    long fileSize() {
        return fileSize;
    }

    ByteBuffer read(long offset, int length, String what) throws IOException {
        checkRange(fileSize, offset, length, what);
        return readAt(channel, offset, length);
    }

    static void checkRange(long fileSize, long offset, long length, String what) {
        if (offset < 0 || length < 0 || offset > fileSize || length > fileSize - offset) {
            throw SignerException.malformed(String.format("%s at file offset 0x%x (+0x%x) lies outside the file (0x%x bytes)",
                    what, offset, length, fileSize));
        }
    }

    private static ByteBuffer readAt(FileChannel ch, long offset, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buf.hasRemaining()) {
            if (ch.read(buf, offset + buf.position()) < 0) {
                throw SignerException.malformed("ELF file ends early");
            }
        }
        return buf.flip();
    }

    private static String cString(ByteBuffer names, long offset) {
        if (offset >= names.limit()) {
            return "";
        }
        int end = (int) offset;
        while (end < names.limit() && names.get(end) != 0) {
            end++;
        }
        byte[] b = new byte[end - (int) offset];
        names.get((int) offset, b);
        return new String(b, StandardCharsets.ISO_8859_1);
    }
}
