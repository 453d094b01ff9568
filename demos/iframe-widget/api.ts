/** What the widget and its host page expose to each other (types only: each side imports the other's). */

export interface Note {
  readonly id: number;
  readonly text: string;
  readonly at: string;
}

/** The widget (in the iframe, on the other origin). */
export interface WidgetApi {
  /** Adds a note to the widget's list; returns it. */
  addNote(text: string): Note;
  notes(): Note[];
  /** Which document is answering: a new one after each reload. */
  instance(): { id: string; origin: string; loadedAt: string };
  /** Packs the notes up slowly (`ms` of work), to have a call in flight when the widget reloads. */
  slowExport(ms: number): Promise<string>;
}

/** The host page (the parent). */
export interface HostApi {
  /** The widget asks for the host's theme when it loads. */
  theme(): { accent: string; name: string };
  /** The widget reports that the user did something inside it. */
  notify(message: string): void;
}
