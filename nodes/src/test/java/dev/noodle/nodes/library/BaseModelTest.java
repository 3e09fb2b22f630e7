package dev.noodle.nodes.library;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The base-model names that Civitai's baseModel, A1111's "sd version" and the command line use. */
class BaseModelTest {
    @Test
    void civitaiAndA1111LabelsMapToTheBasesNoodleRuns() {
        Map<String, Optional<BaseModel>> labels = new java.util.LinkedHashMap<>();
        labels.put("SD 1.4", Optional.of(BaseModel.SD1));
        labels.put("SD 1.5", Optional.of(BaseModel.SD1));
        labels.put("SD 1.5 LCM", Optional.of(BaseModel.SD1));
        labels.put("SD 2.0 768", Optional.of(BaseModel.SD2));
        labels.put("SD 2.1", Optional.of(BaseModel.SD2));
        labels.put("SDXL 1.0", Optional.of(BaseModel.SDXL));
        labels.put("SDXL Turbo", Optional.of(BaseModel.SDXL));
        labels.put("SDXL Lightning", Optional.of(BaseModel.SDXL));
        labels.put("Pony", Optional.of(BaseModel.PONY));
        labels.put("Illustrious", Optional.of(BaseModel.SDXL));
        labels.put("SD1", Optional.of(BaseModel.SD1));
        labels.put("SD2", Optional.of(BaseModel.SD2));
        labels.put("SDXL", Optional.of(BaseModel.SDXL));
        labels.put("Unknown", Optional.empty());
        labels.put("Flux.1 D", Optional.empty());
        labels.put("SD 3.5", Optional.empty());
        labels.put("", Optional.empty());
        labels.forEach((label, base) -> assertEquals(base, BaseModel.fromLabel(label), label));
    }

    @Test
    void ponyIsListedUnderSdxlButNotTheOtherWayRound() {
        assertEquals(true, BaseModel.PONY.shownUnder(BaseModel.SDXL));
        assertEquals(false, BaseModel.SDXL.shownUnder(BaseModel.PONY));
        assertEquals(Optional.of(BaseModel.SD1), BaseModel.parse("sd15"));
        assertEquals(Optional.empty(), BaseModel.parse("sd3"));
        assertEquals(true, ModelType.LYCORIS.shownUnder(ModelType.LORA));
        assertEquals(Optional.of(ModelType.T2I_ADAPTER), ModelType.parse("T2I-Adapter"));
    }
}
