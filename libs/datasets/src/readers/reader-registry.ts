import { affectnetReader } from './affectnet.reader';
import { csvReader } from './csv.reader';
import { DATASET_FORMATS, type DatasetFormat, type DatasetReader } from './dataset-reader';
import { ferplusReader } from './ferplus.reader';
import { imagefolderReader } from './imagefolder.reader';
import { mmaReader } from './mma.reader';
import { rafdbReader } from './rafdb.reader';
import { sfewReader } from './sfew.reader';

const READERS: Record<DatasetFormat, DatasetReader> = {
  rafdb: rafdbReader,
  ferplus: ferplusReader,
  affectnet: affectnetReader,
  sfew: sfewReader,
  mma: mmaReader,
  imagefolder: imagefolderReader,
  csv: csvReader,
};

export function isDatasetFormat(format: string): format is DatasetFormat {
  return (DATASET_FORMATS as readonly string[]).includes(format);
}

export function getReader(format: string): DatasetReader {
  if (!isDatasetFormat(format)) {
    throw new Error(`unknown dataset format "${format}"; expected one of ${DATASET_FORMATS.join(', ')}`);
  }
  return READERS[format];
}

export function listReaders(): DatasetReader[] {
  return DATASET_FORMATS.map((format) => READERS[format]);
}
