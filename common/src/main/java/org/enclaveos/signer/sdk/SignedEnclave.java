package org.enclaveos.signer.sdk;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.elf.ElfFile;
import org.enclaveos.signer.io.AtomicFiles;
import org.enclaveos.signer.measure.PageSink;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;

/**
 * An Intel SGX SDK signed enclave ({@code enclave.signed.so}): an ELF file whose non-allocated
 * {@code .note.sgxmeta} section holds one or more {@code metadata_t} blocks, each carrying a copy of
 * the SIGSTRUCT at block offset 64. We find the SIGSTRUCT through that note rather than scanning the
 * file for something that looks like one.
 */
public final class SignedEnclave {
    static final String NOTE_SECTION = ".note.sgxmeta";
    static final String NOTE_NAME = "sgx_metadata";
    static final long METADATA_MAGIC = 0x86A80294635D0E4CL;
    /** metadata_t: magic u64, version u64, size u32, ..., then the SIGSTRUCT at 64. */
    static final int SIGSTRUCT_OFFSET = 64;
    private static final int NOTE_HEADER = 12;
    private static final int MAX_DESC = 1 << 20;

    /** One metadata block. {@code fileOffset} and {@code sigstructFileOffset} are positions in the ELF file. */
    public record MetadataBlock(int index, long fileOffset, int major, int minor, int size,
                                long sigstructFileOffset, Sigstruct sigstruct) {
        public String version() {
            return major + "." + minor;
        }
    }

    private final Path file;
    private final List<MetadataBlock> blocks;
    private final List<byte[]> raw;

    private SignedEnclave(Path file, List<MetadataBlock> blocks, List<byte[]> raw) {
        this.file = file;
        this.blocks = blocks;
        this.raw = raw;
    }

    public static SignedEnclave read(Path file) {
        return ElfFile.read(file, elf -> parse(file, elf));
    }

    private static SignedEnclave parse(Path file, ElfFile elf) throws IOException {
        ElfFile.Section note = elf.section(NOTE_SECTION).orElseThrow(() -> SignerException.malformed(
                "not an SGX SDK signed enclave: no " + NOTE_SECTION + " section"));
        ByteBuffer head = elf.read(note.offset(), NOTE_HEADER, NOTE_SECTION + " header");
        long namesz = Integer.toUnsignedLong(head.getInt(0));
        long descsz = Integer.toUnsignedLong(head.getInt(4));
        if (namesz != NOTE_NAME.length() + 1 || descsz > MAX_DESC || NOTE_HEADER + namesz + descsz > note.size()) {
            throw SignerException.malformed(NOTE_SECTION + ": note header is malformed (namesz " + namesz
                    + ", descsz " + descsz + ", section size " + note.size() + ")");
        }
        ByteBuffer name = elf.read(note.offset() + NOTE_HEADER, (int) namesz, NOTE_SECTION + " name");
        String noteName = StandardCharsets.ISO_8859_1.decode(name.limit((int) namesz - 1)).toString();
        if (!noteName.equals(NOTE_NAME)) {
            throw SignerException.malformed(NOTE_SECTION + ": note name is \"" + noteName + "\", expected " + NOTE_NAME);
        }
        // The SDK does not pad the note name: the metadata starts right after it, unaligned.
        long start = note.offset() + NOTE_HEADER + namesz;
        ByteBuffer desc = elf.read(start, (int) descsz, NOTE_SECTION + " metadata");
        List<MetadataBlock> blocks = new ArrayList<>();
        List<byte[]> raw = new ArrayList<>();
        int at = 0;
        while (at + 24 <= descsz && desc.getLong(at) == METADATA_MAGIC) {
            long version = desc.getLong(at + 8);
            long size = Integer.toUnsignedLong(desc.getInt(at + 16));
            if (size == 0) {
                break;
            }
            if (size < SIGSTRUCT_OFFSET + Sigstruct.SIZE || size > descsz - at) {
                throw SignerException.malformed(String.format("%s: metadata block %d at file offset 0x%x has size %d, "
                        + "outside %d..%d", NOTE_SECTION, blocks.size(), start + at, size, SIGSTRUCT_OFFSET + Sigstruct.SIZE,
                        descsz - at));
            }
            byte[] ss = new byte[Sigstruct.SIZE];
            desc.get(at + SIGSTRUCT_OFFSET, ss);
            Sigstruct sigstruct;
            try {
                sigstruct = Sigstruct.parse(ss);
            } catch (SignerException e) {
                throw e.in(String.format("metadata block %d SIGSTRUCT at file offset %d", blocks.size(),
                        start + at + SIGSTRUCT_OFFSET));
            }
            blocks.add(new MetadataBlock(blocks.size(), start + at, (int) (version >>> 32), (int) version, (int) size,
                    start + at + SIGSTRUCT_OFFSET, sigstruct));
            byte[] block = new byte[(int) size];
            desc.get(at, block);
            raw.add(block);
            at += (int) size;
        }
        if (blocks.isEmpty()) {
            throw SignerException.malformed(NOTE_SECTION + ": no metadata block (magic 0x86a80294635d0e4c not found)");
        }
        return new SignedEnclave(file, List.copyOf(blocks), List.copyOf(raw));
    }

    /**
     * Builds the enclave as the SDK's loader would from metadata block {@code index} and sends every
     * operation to {@code sink}. The file is validated like the loader does it first; unsupported
     * features (ELRANGE, text relocations, FIPS shared objects, v1.3 metadata) are refused by name.
     */
    public void build(int index, PageSink sink) {
        build(index, sink, org.enclaveos.signer.measure.Measurement.DEFAULT_MAX_MEASURED_BYTES);
    }

    /** {@link #build(int, PageSink)} with a limit on the page bytes it may add ({@code --max-measured-size}). */
    public void build(int index, PageSink sink, long maxMeasuredBytes) {
        String where = file + ": metadata block " + index + " (v" + blocks.get(index).version() + ")";
        SdkMetadata meta = SdkMetadata.parse(raw.get(index), where);
        try (FileChannel ch = FileChannel.open(file)) {
            SdkEnclaveLayout.build(ElfFile.read(ch), meta, where, sink, maxMeasuredBytes);
        } catch (IOException e) {
            throw new SignerException(ErrorKind.IO, file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** MRENCLAVE as built from metadata block {@code index}. */
    public Hash256 mrenclave(int index) {
        return mrenclave(index, org.enclaveos.signer.measure.Measurement.DEFAULT_MAX_MEASURED_BYTES);
    }

    /** One metadata block, re-measured from the file, beside the MRENCLAVE its SIGSTRUCT claims. */
    public record Remeasured(MetadataBlock block, Hash256 measured) {
        public boolean matches() {
            return measured.equals(block.sigstruct().mrenclave());
        }
    }

    /**
     * Every metadata block re-measured, as the SDK's loader would build each: the one routine that
     * prepare, measure, verify and attach use to check an SDK enclave against its own SIGSTRUCTs.
     */
    public java.util.List<Remeasured> remeasure(long maxMeasuredBytes) {
        java.util.List<Remeasured> out = new java.util.ArrayList<>();
        for (MetadataBlock b : blocks()) {
            out.add(new Remeasured(b, mrenclave(b.index(), maxMeasuredBytes)));
        }
        return out;
    }

    /** {@link #mrenclave(int)} with a limit on the page bytes it may add ({@code --max-measured-size}). */
    public Hash256 mrenclave(int index, long maxMeasuredBytes) {
        PageSink.Measuring m = PageSink.measuring();
        build(index, m, maxMeasuredBytes);
        return m.mrenclave();
    }

    public Path file() {
        return file;
    }

    /**
     * Writes a copy of this enclave in which the SIGSTRUCT of every metadata block is {@code sigstruct}
     * and no other byte changes (what {@code sgx_sign catsig} produces). Never over an existing file.
     */
    public void writeResigned(Sigstruct sigstruct, Path out) {
        byte[] replacement = sigstruct.toBytes();
        AtomicFiles.createNew(out, stream -> {
            try (InputStream in = Files.newInputStream(file)) {
                long position = 0;
                for (MetadataBlock b : blocks) {
                    copy(in, stream, b.sigstructFileOffset() - position);
                    in.skipNBytes(Sigstruct.SIZE);
                    stream.write(replacement);
                    position = b.sigstructFileOffset() + Sigstruct.SIZE;
                }
                in.transferTo(stream);
            }
        }, false);
    }

    private static void copy(InputStream in, java.io.OutputStream out, long length) throws IOException {
        byte[] buf = new byte[1 << 16];
        while (length > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, length));
            if (n < 0) {
                throw new java.io.EOFException("the enclave file ended early");
            }
            out.write(buf, 0, n);
            length -= n;
        }
    }

    public List<MetadataBlock> blocks() {
        return blocks;
    }

    /** The SIGSTRUCT of the first block (the one the signing tool measured). */
    public Sigstruct sigstruct() {
        return blocks.get(0).sigstruct();
    }

    /** Whether every block carries the same SIGSTRUCT, as the SDK writes them. */
    public boolean sigstructsAgree() {
        return blocks.stream().allMatch(b -> b.sigstruct().equals(sigstruct()));
    }
}
