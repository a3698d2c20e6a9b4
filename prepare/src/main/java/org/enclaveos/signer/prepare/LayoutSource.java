package org.enclaveos.signer.prepare;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

import org.enclaveos.signer.layout.ContentSource;
import org.enclaveos.signer.layout.LayoutBuilder;
import org.enclaveos.signer.layout.LayoutManifest;
import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.sgx.Hash256;

/** A layout manifest on disk as a source: measured for one memory model (content relative to it). */
record LayoutSource(MemoryModel model, Hash256 mrenclave, Hash256 sha256) {

    /** @param model the model asked for, or null: the manifest's only model, or sgx1 when it has both */
    static LayoutSource measure(Path file, MemoryModel model, long maxMeasuredBytes) {
        byte[] json = org.enclaveos.signer.io.SmallFiles.read(file, LayoutManifest.MAX_BYTES, "layout manifest");
        LayoutManifest manifest = LayoutManifest.parse(json, file.toString());
        Set<MemoryModel> present = manifest.models();
        MemoryModel m = model != null ? model : present.size() == 1 ? present.iterator().next() : MemoryModel.SGX1;
        Hash256 mr = LayoutBuilder.measure(manifest, EnumSet.of(m),
                ContentSource.directory(file.toAbsolutePath().getParent()), maxMeasuredBytes).get(m);
        return new LayoutSource(m, mr, Hash256.sha256(json));
    }
}
