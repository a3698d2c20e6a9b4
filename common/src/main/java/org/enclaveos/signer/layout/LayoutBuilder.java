package org.enclaveos.signer.layout;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.io.LittleEndian;
import org.enclaveos.signer.measure.Measurement;
import org.enclaveos.signer.measure.PageSink;
import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.sgx.Hash256;

/**
 * Builds the enclave a layout manifest describes: to any {@link PageSink} for one memory model, or
 * measured for several at once, where the ranges both models share at the start are hashed once and
 * the running state is forked where they part. Content is read page by page, never whole.
 */
public final class LayoutBuilder {
    private LayoutBuilder() {
    }

    /** Sends the build of {@code model} to {@code sink}. */
    public static void build(LayoutManifest manifest, MemoryModel model, ContentSource content, PageSink sink) {
        build(manifest, model, content, sink, Measurement.DEFAULT_MAX_MEASURED_BYTES);
    }

    /** {@link #build} with a limit on the page bytes it may add ({@code --max-measured-size}). */
    public static void build(LayoutManifest manifest, MemoryModel model, ContentSource content, PageSink sink, long limit) {
        checkWork(manifest, Set.of(model), limit);
        sink.ecreate(manifest.ssaFrameSize(), manifest.enclaveSize());
        for (LayoutManifest.Range r : manifest.ranges(model)) {
            emit(r, content, List.of(sink));
        }
    }

    /** MRENCLAVE of each model in {@code models}; their common prefix is hashed once. */
    public static Map<MemoryModel, Hash256> measure(LayoutManifest manifest, Set<MemoryModel> models, ContentSource content) {
        return measure(manifest, models, content, Measurement.DEFAULT_MAX_MEASURED_BYTES);
    }

    /** {@link #measure} with a limit on the page bytes each model may add ({@code --max-measured-size}). */
    public static Map<MemoryModel, Hash256> measure(LayoutManifest manifest, Set<MemoryModel> models, ContentSource content,
                                                    long limit) {
        checkWork(manifest, models, limit);
        PageSink.Measuring shared = PageSink.measuring();
        shared.ecreate(manifest.ssaFrameSize(), manifest.enclaveSize());
        Map<MemoryModel, PageSink.Measuring> own = null;
        for (LayoutManifest.Range r : manifest.ranges()) {
            boolean inAll = models.stream().allMatch(r::in);
            boolean inAny = models.stream().anyMatch(r::in);
            if (!inAny) {
                continue;
            }
            if (own == null && inAll) {
                emit(r, content, List.of(shared));
                continue;
            }
            if (own == null) {
                own = new EnumMap<>(MemoryModel.class);
                for (MemoryModel m : models) {
                    own.put(m, shared.copy());
                }
            }
            List<PageSink> sinks = new ArrayList<>();
            for (MemoryModel m : models) {
                if (r.in(m)) {
                    sinks.add(own.get(m));
                }
            }
            emit(r, content, sinks);
        }
        Map<MemoryModel, Hash256> out = new EnumMap<>(MemoryModel.class);
        for (MemoryModel m : models) {
            out.put(m, (own == null ? (models.size() == 1 ? shared : shared.copy()) : own.get(m)).mrenclave());
        }
        return out;
    }

    private static void checkWork(LayoutManifest manifest, Set<MemoryModel> models, long limit) {
        for (MemoryModel m : models) {
            long pages = 0;
            for (LayoutManifest.Range r : manifest.ranges(m)) {
                pages += r.pages(); // no overflow: the ranges of one model do not overlap inside the enclave
            }
            Measurement.checkWork("layout manifest, " + m.id() + " layout", pages, limit);
        }
    }

    /** One range, page by page, to every sink (content read once). */
    private static void emit(LayoutManifest.Range r, ContentSource content, List<PageSink> sinks) {
        byte[] page = new byte[Measurement.PAGE_SIZE];
        try (PageSource source = PageSource.of(r, content)) {
            for (long k = 0; k < r.pages(); k++) {
                long offset = r.offset() + k * Measurement.PAGE_SIZE;
                if (r.chunkMask() != 0) {
                    source.next(page);
                }
                for (PageSink sink : sinks) {
                    sink.eadd(offset, r.flags());
                    for (int c = 0; c < Measurement.CHUNKS_PER_PAGE; c++) {
                        if ((r.chunkMask() & (1 << c)) != 0) {
                            sink.eextend(offset + (long) c * Measurement.CHUNK_SIZE, page, c * Measurement.CHUNK_SIZE);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new SignerException(ErrorKind.IO, "range '" + r.name() + "': cannot read its content: " + e.getMessage(), e);
        }
    }

    /** The pages of one range, in order. */
    private static final class PageSource implements AutoCloseable {
        private final LayoutManifest.Range range;
        private final InputStream in;
        private long remaining;
        private long index;

        private PageSource(LayoutManifest.Range range, InputStream in, long remaining) {
            this.range = range;
            this.in = in;
            this.remaining = remaining;
        }

        static PageSource of(LayoutManifest.Range r, ContentSource content) throws IOException {
            if (r.content() instanceof LayoutManifest.FileBytes f) {
                // EADD-only ranges never read their content: a 64 GiB heap costs no I/O.
                return new PageSource(r, r.chunkMask() == 0 ? null : content.open(f.path(), f.offset()), f.length());
            }
            if (r.content() instanceof LayoutManifest.Inline i) {
                return new PageSource(r, new java.io.ByteArrayInputStream(i.bytes()), i.bytes().length);
            }
            return new PageSource(r, null, 0);
        }

        void next(byte[] page) throws IOException {
            if (range.content() instanceof LayoutManifest.Fill fill) {
                for (int i = 0; i < page.length; i += 4) {
                    LittleEndian.putU32(page, i, fill.pattern());
                }
                return;
            }
            Arrays.fill(page, (byte) 0);
            if (in != null && remaining > 0) {
                int want = (int) Math.min(remaining, page.length);
                int got = in.readNBytes(page, 0, want);
                if (got < want) {
                    String file = range.content() instanceof LayoutManifest.FileBytes f ? f.path() : "inline data";
                    throw SignerException.malformed("range '" + range.name() + "': " + file + " ends " + (want - got)
                            + " bytes before the length the manifest gives (page " + index + ")");
                }
                remaining -= got;
            }
            index++;
        }

        @Override
        public void close() throws IOException {
            if (in != null) {
                in.close();
            }
        }
    }
}
