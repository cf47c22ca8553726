// @ts-check
// The room's clock as the player bar's transport (player/playerbar.js): the host's play, pause
// and seek go to the server, which moves every member; the position and length are the room
// piece's, and the status says what the room is doing. Only the host may move the music.

const DEFAULT_TEMPO = 120; // quarter notes per minute before the room has said its own

/** What the room's status line says: nothing, paused, finished or playing. */
export function roomStatus({ hasPiece, paused, complete, positionBeats, lengthBeats }) {
  if (!hasPiece) return "Nothing playing";
  if (paused) return "Paused";
  return complete && positionBeats >= lengthBeats ? "Finished" : "Playing";
}

export class RoomTransport {
  #player;
  #client;
  #act;
  seeksOnRelease = true; // one room:seek when the slider is let go, not one per step of a drag

  /** `act(request)` sends a room request and shows a refusal. */
  constructor({ player, client, act }) {
    this.#player = player;
    this.#client = client;
    this.#act = act;
  }

  get canControl() { return this.#client.isHost; }
  get tempo() { return this.#client.state?.tempo ?? DEFAULT_TEMPO; }

  /** The piece's length in beats: a live piece's planned length until it is complete. */
  get plannedBeats() {
    const { piece } = this.#client;
    if (!piece) return 0;
    const received = this.#player.lengthBeats;
    return piece.complete ? received : Math.max(piece.expected_beats ?? 0, received);
  }

  get lengthBeats() { return this.plannedBeats; }

  /** Where the room is; its clock runs on after the last note, the piece itself ends there. */
  get positionBeats() {
    const { state, piece } = this.#client;
    return state && piece ? Math.min(this.#player.positionBeats, this.plannedBeats) : 0;
  }

  get state() {
    const { state, piece } = this.#client;
    if (!piece || !state) return "stopped";
    return state.playback === "playing" ? "playing" : "paused";
  }

  get statusText() {
    const { state, piece } = this.#client;
    return roomStatus({
      hasPiece: Boolean(piece),
      paused: state?.playback === "paused",
      complete: Boolean(piece?.complete),
      positionBeats: this.positionBeats,
      lengthBeats: this.#player.lengthBeats,
    });
  }

  beatsToSeconds(beats) { return (beats * 60) / this.tempo; }

  toggle() {
    if (!this.canControl) return null;
    const client = this.#client;
    return this.#act(client.state?.playback === "playing" ? client.pause() : client.resume());
  }

  seek(beats) {
    if (this.canControl) this.#act(this.#client.seek(beats));
  }
}
